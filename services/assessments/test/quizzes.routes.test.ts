import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  everyKind,
  newUser,
  putQuiz,
  quizLesson,
  startHarness,
  type Harness,
  type KeyedQuestionView,
  type TestUser,
} from './harness.js';

let harness: Harness;
let owner: TestUser;

beforeAll(async () => {
  harness = await startHarness();
  owner = await newUser(harness, 'instructor');
});
afterAll(() => harness.close());

interface OwnerView {
  version: number;
  question_count: number;
  pass_percent: number;
  questions: KeyedQuestionView[];
}

describe('PUT /api/assessments/quizzes/:lesson_id', () => {
  it('when the owner saves a quiz with every kind, then the owner reads it back with its keys', async () => {
    const { lessonId } = await quizLesson(harness, owner);

    const response = await putQuiz(harness, owner, lessonId, { pass_percent: 70, questions: everyKind });

    const quiz = response.json<OwnerView>();
    expect(quiz.pass_percent).toBe(70);
    expect(quiz.question_count).toBe(6);
    expect(quiz.questions.map((question) => question.kind)).toEqual(
      everyKind.map((question) => question.kind),
    );
    expect(
      quiz.questions[0]?.options?.filter((option) => option.correct).map((option) => option.text),
    ).toEqual(['7']);
    expect(quiz.questions[2]?.options).toEqual([
      { id: expect.any(Number) as number, text: 'True', correct: true },
      { id: expect.any(Number) as number, text: 'False', correct: false },
    ]);
    expect(quiz.questions[3]?.answers).toEqual(['Paris']);
    expect(quiz.questions[4]?.number).toBe(3.14);
    const read = await harness.assessments.inject({
      url: `/api/assessments/quizzes/${lessonId}`,
      headers: owner.headers,
    });
    expect(read.json()).toEqual(quiz);
  });

  it('when questions and options are edited with their ids, then the ids stay and new ones get fresh ids', async () => {
    const { lessonId } = await quizLesson(harness, owner);
    const first = (
      await putQuiz(harness, owner, lessonId, { questions: everyKind.slice(0, 2) })
    ).json<OwnerView>();
    const [single, multiple] = first.questions as [KeyedQuestionView, KeyedQuestionView];
    const [a, b] = single.options ?? [];

    const second = (
      await putQuiz(harness, owner, lessonId, {
        questions: [
          {
            id: single.id,
            kind: 'single',
            text: 'Edited',
            options: [{ id: b?.id, text: '7', correct: true }, { id: a?.id, text: '4' }, { text: 'new' }],
          },
          { kind: 'essay', text: 'New question' },
        ],
      })
    ).json<OwnerView>();

    expect(second.version).toBe(first.version + 1);
    expect(second.questions[0]?.id).toBe(single.id);
    const ids = second.questions[0]?.options?.map((option) => option.id) ?? [];
    expect(ids.slice(0, 2)).toEqual([b?.id, a?.id]);
    expect(ids[2]).toBeGreaterThan(Math.max(...(single.options ?? []).map((option) => option.id)));
    expect(second.questions[1]?.id).not.toBe(multiple.id);
    expect(second.questions.map((question) => question.id)).not.toContain(multiple.id);
  });

  it('when a question is invalid for its kind, then the answer is 422 naming the field', async () => {
    const { lessonId } = await quizLesson(harness, owner);

    const response = await putQuiz(
      harness,
      owner,
      lessonId,
      {
        questions: [
          { kind: 'single', text: 'No right answer', options: [{ text: 'a' }, { text: 'b' }] },
          { kind: 'numeric', text: 'x' },
        ],
      },
      422,
    );

    expect(response.headers['content-type']).toContain('application/problem+json');
    const fields = response.json<{ errors: { field: string }[] }>().errors.map((error) => error.field);
    expect(fields).toEqual(['body.questions.0.options', 'body.questions.1.number']);
  });

  it('when a question id of another quiz is sent, then the answer is 422 and nothing changes', async () => {
    const one = await quizLesson(harness, owner);
    const other = await quizLesson(harness, owner);
    const foreign = (
      await putQuiz(harness, owner, other.lessonId, { questions: [everyKind[5]] })
    ).json<OwnerView>();

    const response = await putQuiz(
      harness,
      owner,
      one.lessonId,
      { questions: [{ ...everyKind[5], id: foreign.questions[0]?.id }] },
      422,
    );

    expect(response.json<{ code: string }>().code).toBe('validation_failed');
    const read = await harness.assessments.inject({
      url: `/api/assessments/quizzes/${one.lessonId}`,
      headers: owner.headers,
    });
    expect(read.statusCode).toBe(404);
  });

  it('when someone who does not own the course writes, then the answer is 403; an unknown lesson is 404', async () => {
    const { lessonId } = await quizLesson(harness, owner);
    const stranger = await newUser(harness, 'instructor');

    expect(
      (await putQuiz(harness, stranger, lessonId, { questions: [] }, 403)).json<{ code: string }>().code,
    ).toBe('forbidden');
    await putQuiz(harness, owner, 9_007_199_254_740_000, { questions: [] }, 404);
    const anonymous = await harness.assessments.inject({
      method: 'PUT',
      url: `/api/assessments/quizzes/${lessonId}`,
      payload: {},
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('POST /api/assessments/quizzes/:lesson_id/import', () => {
  const gift = [
    '// a comment',
    '::Q1:: What is 2+2? {=4 ~3 ~5}',
    '',
    "Grant is buried in Grant's tomb.{T}",
    '',
    'Which are primes? {~%50%2 ~%50%3 ~%-100%4}',
    '',
    "Who's buried there? {=Grant =Ulysses S. Grant}",
    '',
    'When was Grant born?{#1822:5}',
    '',
    'Write about Grant. {}',
    '',
  ].join('\n');

  function importGift(user: TestUser, lessonId: number, text: string) {
    return harness.assessments.inject({
      method: 'POST',
      url: `/api/assessments/quizzes/${lessonId}/import`,
      headers: { ...user.headers, 'content-type': 'text/plain' },
      payload: text,
    });
  }

  it('when GIFT text is imported, then its questions are appended with every kind and key', async () => {
    const { lessonId } = await quizLesson(harness, owner);
    await putQuiz(harness, owner, lessonId, { questions: [everyKind[5]] });

    const response = await importGift(owner, lessonId, gift);

    expect(response.statusCode, response.body).toBe(200);
    const quiz = response.json<OwnerView>();
    expect(quiz.questions.map((question) => question.kind)).toEqual([
      'essay',
      'single',
      'true_false',
      'multiple',
      'short_text',
      'numeric',
      'essay',
    ]);
    expect(quiz.questions[4]?.answers).toEqual(['Grant', 'Ulysses S. Grant']);
    expect(quiz.questions[5]).toMatchObject({ number: 1822, tolerance: 5 });
    expect(
      quiz.questions[3]?.options?.filter((option) => option.correct).map((option) => option.text),
    ).toEqual(['2', '3']);
  });

  it('when the GIFT text is broken, then the answer is 422 naming the line and nothing is added', async () => {
    const { lessonId } = await quizLesson(harness, owner);

    const response = await importGift(
      owner,
      lessonId,
      'Fine {=a ~b}\n\nAlso fine {T}\n\nBroken {=x ~y\n\nNext {T}',
    );

    expect(response.statusCode).toBe(422);
    const problem = response.json<{ code: string; detail: string }>();
    expect(problem.code).toBe('gift_invalid');
    expect(problem.detail).toMatch(/^GIFT line 5, column \d+: /);
    const read = await harness.assessments.inject({
      url: `/api/assessments/quizzes/${lessonId}`,
      headers: owner.headers,
    });
    expect(read.statusCode).toBe(404);
  });

  it('when a GIFT question kind is not supported, then the answer is 422 naming its line', async () => {
    const { lessonId } = await quizLesson(harness, owner);

    const response = await importGift(owner, lessonId, 'Ok {T}\n\nMatch these {=a -> 1 =b -> 2}\n');

    expect(response.statusCode).toBe(422);
    expect(response.json<{ detail: string }>().detail).toMatch(
      /^GIFT line 3, column 1: matching questions are not supported/,
    );
  });
});
