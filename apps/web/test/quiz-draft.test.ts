import { describe, expect, it } from 'vitest';
import type { AuthoredQuiz } from '../src/api/assessments.api';
import {
  adoptSaved,
  emptyQuestion,
  newQuestions,
  quizDraft,
  quizErrors,
  quizInput,
  sameQuiz,
  withKind,
  type QuizDraft,
} from '../src/pages/studio/quiz-draft';

const trueFalse = { true: 'Верно', false: 'Неверно' };

function stored(overrides: Partial<AuthoredQuiz> = {}): AuthoredQuiz {
  return {
    lesson_id: 7,
    course_id: 3,
    version: 2,
    question_count: 2,
    time_limit_seconds: 90,
    max_attempts: null,
    pass_percent: 70,
    grading: 'average',
    shuffle_questions: true,
    shuffle_options: false,
    draw: null,
    show_answers: 'after_close',
    opens_at: '2026-12-01T09:00:00.000Z',
    closes_at: null,
    grace_seconds: 60,
    questions: [
      {
        id: 11,
        kind: 'single',
        text: 'Pick',
        points: 2,
        options: [
          { id: 1, text: 'a', correct: false },
          { id: 2, text: 'b', correct: true },
        ],
      },
      { id: 12, kind: 'numeric', text: 'Pi?', points: 1, number: 3.14, tolerance: 0.01 },
    ],
    ...overrides,
  };
}

describe('quiz drafts', () => {
  it('when a stored quiz is loaded and sent back unchanged, then the input keeps every id, key and setting', () => {
    const input = quizInput(quizDraft(stored()));

    expect(input).toEqual({
      time_limit_seconds: 90,
      max_attempts: null,
      pass_percent: 70,
      grading: 'average',
      shuffle_questions: true,
      shuffle_options: false,
      draw: null,
      show_answers: 'after_close',
      opens_at: '2026-12-01T09:00:00.000Z',
      closes_at: null,
      grace_seconds: 60,
      questions: [
        {
          id: 11,
          kind: 'single',
          text: 'Pick',
          points: 2,
          options: [
            { id: 1, text: 'a', correct: false },
            { id: 2, text: 'b', correct: true },
          ],
        },
        { id: 12, kind: 'numeric', text: 'Pi?', points: 1, number: 3.14, tolerance: 0.01 },
      ],
    });
  });

  it('when no quiz exists yet, then the draft has the service defaults and no questions', () => {
    const input = quizInput(quizDraft(null));
    expect(input).toMatchObject({
      time_limit_seconds: null,
      pass_percent: 60,
      grading: 'highest',
      show_answers: 'after_submit',
      grace_seconds: 60,
      questions: [],
    });
  });

  it('when a question is new, then it has no id and short answers are sent one per non-empty line', () => {
    const question = {
      ...emptyQuestion('short_text', trueFalse),
      text: 'Capital?',
      answers: ' Paris \n\nParís',
    };
    expect(quizInput({ ...quizDraft(null), questions: [question] }).questions).toEqual([
      { kind: 'short_text', text: 'Capital?', points: 1, answers: ['Paris', 'París'] },
    ]);
  });

  it('when a true/false question is made, then it starts with its two statements, the first one correct', () => {
    expect(
      emptyQuestion('true_false', trueFalse).options.map(({ text, correct }) => ({ text, correct })),
    ).toEqual([
      { text: 'Верно', correct: true },
      { text: 'Неверно', correct: false },
    ]);
  });

  it('when a multiple-choice question becomes single-choice, then only its first correct option stays correct', () => {
    const multiple = {
      ...emptyQuestion('multiple', trueFalse),
      options: [
        { key: 'a', text: '1', correct: false },
        { key: 'b', text: '2', correct: true },
        { key: 'c', text: '3', correct: true },
      ],
    };
    expect(withKind(multiple, 'single', trueFalse).options.map((option) => option.correct)).toEqual([
      false,
      true,
      false,
    ]);
  });

  it('when a field is left empty or holds no number, then it is sent as NaN (null in JSON) for the server to refuse', () => {
    const draft = quizDraft(stored());
    const broken: QuizDraft = { ...draft, settings: { ...draft.settings, passPercent: '' } };
    expect(
      (JSON.parse(JSON.stringify(quizInput(broken))) as { pass_percent: unknown }).pass_percent,
    ).toBeNull();
    expect(sameQuiz(draft, broken)).toBe(false);
    expect(sameQuiz(draft, quizDraft(stored()))).toBe(true);
  });

  it('when the server names fields of questions, then each message lands on the question sent at that index', () => {
    const draft = quizDraft(stored());
    const keys = draft.questions.map((question) => question.key);
    const errors = quizErrors(
      [
        { field: 'body.questions.1.number', message: 'is required for a numeric question' },
        { field: 'body.questions.0.options', message: 'needs exactly one correct option' },
        { field: 'body.questions.0.id', message: 'is not a question of this quiz' },
        { field: 'body.closes_at', message: 'must be after opens_at' },
      ],
      keys,
    );
    expect(errors.settings).toEqual({ closes_at: 'must be after opens_at' });
    expect(errors.questions[keys[0] ?? '']).toEqual({
      options: 'needs exactly one correct option',
      '': 'is not a question of this quiz',
    });
    expect(errors.questions[keys[1] ?? '']).toEqual({ number: 'is required for a numeric question' });
  });

  it('when a save answers, then new questions and options take their ids even if the author typed on meanwhile', () => {
    const draft = quizDraft(null);
    const question = { ...emptyQuestion('single', trueFalse), text: 'New' };
    const sent: QuizDraft = { ...draft, questions: [question] };
    const typedOn: QuizDraft = {
      ...sent,
      questions: [{ ...question, text: 'New, edited' }],
    };
    const saved = stored({
      questions: [
        {
          id: 40,
          kind: 'single',
          text: 'New',
          points: 1,
          options: [
            { id: 1, text: '', correct: true },
            { id: 2, text: '', correct: false },
          ],
        },
      ],
    });

    const adopted = adoptSaved(typedOn, sent, saved);

    expect(adopted.questions[0]?.id).toBe(40);
    expect(adopted.questions[0]?.text).toBe('New, edited');
    expect(adopted.questions[0]?.options.map((option) => option.id)).toEqual([1, 2]);
  });

  it('when GIFT questions were appended, then only the questions the editor has not seen are new', () => {
    const before = quizDraft(stored());
    const after = stored({
      questions: [...stored().questions, { id: 13, kind: 'essay', text: 'Why?', points: 1 }],
    });
    expect(newQuestions(after, before).map((question) => [question.id, question.kind])).toEqual([
      [13, 'essay'],
    ]);
  });
});
