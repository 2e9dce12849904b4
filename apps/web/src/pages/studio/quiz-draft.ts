import type { FieldError } from '../../api/api.types';
import type {
  AuthoredQuiz,
  GradingMethod,
  KeyedQuestion,
  QuestionInput,
  QuestionKind,
  QuizInput,
  ShowAnswers,
} from '../../api/assessments.api';
import { fromDateTimeInput, toDateTimeInput } from '../../lib/datetime-input';

/** The quiz as the editor holds it: form values as typed (strings for numbers), ids kept to send back. */
export interface OptionDraft {
  key: string;
  id?: number;
  text: string;
  correct: boolean;
}

export interface QuestionDraft {
  key: string;
  id?: number;
  kind: QuestionKind;
  text: string;
  points: string;
  options: OptionDraft[];
  /** short_text: the accepted answers, one per line. */
  answers: string;
  number: string;
  tolerance: string;
}

export interface SettingsDraft {
  timeLimitMinutes: string;
  maxAttempts: string;
  passPercent: string;
  grading: GradingMethod;
  shuffleQuestions: boolean;
  shuffleOptions: boolean;
  draw: string;
  showAnswers: ShowAnswers;
  opensAt: string;
  closesAt: string;
  graceSeconds: string;
}

export interface QuizDraft {
  settings: SettingsDraft;
  questions: QuestionDraft[];
}

let lastKey = 0;

/** A React key for a question or option that has none from the server yet. */
export function newKey(): string {
  lastKey += 1;
  return `k${lastKey}`;
}

const OPTION_KINDS: ReadonlySet<QuestionKind> = new Set(['single', 'multiple', 'true_false']);

export function hasOptions(kind: QuestionKind): boolean {
  return OPTION_KINDS.has(kind);
}

const numberText = (value: number | null | undefined): string =>
  value === null || value === undefined ? '' : String(value);

export function settingsDraft(quiz: AuthoredQuiz | null): SettingsDraft {
  const timeLimit = quiz?.time_limit_seconds ?? null;
  return {
    timeLimitMinutes: timeLimit === null ? '' : String(timeLimit / 60),
    maxAttempts: numberText(quiz?.max_attempts),
    passPercent: String(quiz?.pass_percent ?? 60),
    grading: quiz?.grading ?? 'highest',
    shuffleQuestions: quiz?.shuffle_questions ?? false,
    shuffleOptions: quiz?.shuffle_options ?? false,
    draw: numberText(quiz?.draw),
    showAnswers: quiz?.show_answers ?? 'after_submit',
    opensAt: toDateTimeInput(quiz?.opens_at ?? null),
    closesAt: toDateTimeInput(quiz?.closes_at ?? null),
    graceSeconds: String(quiz?.grace_seconds ?? 60),
  };
}

export function questionDraft(question: KeyedQuestion, key = newKey()): QuestionDraft {
  return {
    key,
    id: question.id,
    kind: question.kind,
    text: question.text,
    points: String(question.points),
    options: (question.options ?? []).map((option) => ({ key: newKey(), ...option })),
    answers: (question.answers ?? []).join('\n'),
    number: numberText(question.number),
    tolerance: question.tolerance === undefined || question.tolerance === 0 ? '' : String(question.tolerance),
  };
}

/** The editor's state for a stored quiz (null: none authored yet, the service's defaults). */
export function quizDraft(quiz: AuthoredQuiz | null): QuizDraft {
  return {
    settings: settingsDraft(quiz),
    questions: (quiz?.questions ?? []).map((question) => questionDraft(question)),
  };
}

/** A new, empty question of `kind`; true/false starts with its two statements named in the reader's language. */
export function emptyQuestion(kind: QuestionKind, trueFalse: { true: string; false: string }): QuestionDraft {
  return withKind(
    {
      key: newKey(),
      kind: 'essay',
      text: '',
      points: kind === 'essay' ? '5' : '1',
      options: [],
      answers: '',
      number: '',
      tolerance: '',
    },
    kind,
    trueFalse,
  );
}

/** The question turned into `kind`, keeping what still fits (text, points, options of an option kind). */
export function withKind(
  question: QuestionDraft,
  kind: QuestionKind,
  trueFalse: { true: string; false: string },
): QuestionDraft {
  let options = question.options;
  if (kind === 'true_false' && question.kind !== 'true_false') {
    options = [
      { key: newKey(), text: trueFalse.true, correct: true },
      { key: newKey(), text: trueFalse.false, correct: false },
    ];
  } else if (hasOptions(kind) && (question.kind === 'true_false' || options.length === 0)) {
    options = [
      { key: newKey(), text: '', correct: true },
      { key: newKey(), text: '', correct: false },
    ];
  }
  if (kind === 'single') {
    const first = options.findIndex((option) => option.correct);
    options = options.map((option, index) => ({ ...option, correct: index === first }));
  }
  return { ...question, kind, options };
}

/** A number field as sent: null when empty (the setting is off), NaN when not a number (the server says so). */
function optionalNumber(value: string): number | null {
  return value.trim() === '' ? null : Number(value);
}

function requiredNumber(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

export function questionInput(question: QuestionDraft): QuestionInput {
  const input: QuestionInput = {
    ...(question.id === undefined ? {} : { id: question.id }),
    kind: question.kind,
    text: question.text,
    points: requiredNumber(question.points),
  };
  if (hasOptions(question.kind)) {
    input.options = question.options.map((option) => ({
      ...(option.id === undefined ? {} : { id: option.id }),
      text: option.text,
      correct: option.correct,
    }));
  } else if (question.kind === 'short_text') {
    input.answers = question.answers
      .split('\n')
      .map((answer) => answer.trim())
      .filter((answer) => answer !== '');
  } else if (question.kind === 'numeric') {
    input.number = requiredNumber(question.number);
    const tolerance = optionalNumber(question.tolerance);
    if (tolerance !== null) input.tolerance = tolerance;
  }
  return input;
}

/** What PUT /api/assessments/quizzes/:lesson_id is sent for the draft. */
export function quizInput(draft: QuizDraft): QuizInput {
  const { settings } = draft;
  const minutes = optionalNumber(settings.timeLimitMinutes);
  return {
    time_limit_seconds: minutes === null ? null : Math.round(minutes * 60),
    max_attempts: optionalNumber(settings.maxAttempts),
    pass_percent: requiredNumber(settings.passPercent),
    grading: settings.grading,
    shuffle_questions: settings.shuffleQuestions,
    shuffle_options: settings.shuffleOptions,
    draw: optionalNumber(settings.draw),
    show_answers: settings.showAnswers,
    opens_at: fromDateTimeInput(settings.opensAt),
    closes_at: fromDateTimeInput(settings.closesAt),
    grace_seconds: requiredNumber(settings.graceSeconds),
    questions: draft.questions.map(questionInput),
  };
}

/** Whether two drafts would save the same quiz. */
export function sameQuiz(a: QuizDraft, b: QuizDraft): boolean {
  return JSON.stringify(quizInput(a)) === JSON.stringify(quizInput(b));
}

/** A 422's field errors of a quiz, split into the settings' and each question's (by its key, so a reorder keeps them). */
export interface QuizErrors {
  /** By setting name, e.g. `closes_at`. */
  settings: Record<string, string>;
  /** By question key, then by path inside the question: '' (the question), `text`, `options`, `options.1.text`… */
  questions: Record<string, Record<string, string>>;
}

export const noQuizErrors: QuizErrors = { settings: {}, questions: {} };

export function quizErrors(fieldErrors: readonly FieldError[], sentKeys: readonly string[]): QuizErrors {
  const result: QuizErrors = { settings: {}, questions: {} };
  for (const { field, message } of fieldErrors) {
    const match = /^body\.questions\.(\d+)(?:\.(.+))?$/.exec(field);
    if (match) {
      const key = sentKeys[Number(match[1])];
      if (key === undefined) continue;
      const path = match[2] === 'id' || match[2] === 'kind' ? '' : (match[2] ?? '');
      const errors = (result.questions[key] ??= {});
      errors[path] ??= message;
    } else if (field.startsWith('body.')) {
      result.settings[field.slice('body.'.length)] ??= message;
    }
  }
  return result;
}

/**
 * `current` with the ids the server gave to what was `sent` (matched by key: new questions and options get
 * theirs), so the next save updates them instead of adding them again, even if the author typed on meanwhile.
 */
export function adoptSaved(current: QuizDraft, sent: QuizDraft, saved: AuthoredQuiz): QuizDraft {
  const stored = new Map(
    sent.questions.map((question, index) => [question.key, { question, stored: saved.questions[index] }]),
  );
  return {
    ...current,
    questions: current.questions.map((question) => {
      const match = stored.get(question.key);
      if (match?.stored === undefined) return question;
      const optionIds = new Map(
        match.question.options.map((option, index) => [option.key, match.stored?.options?.[index]?.id]),
      );
      return {
        ...question,
        id: match.stored.id,
        options: question.options.map((option) => {
          const optionId = option.id ?? optionIds.get(option.key);
          return optionId === undefined ? option : { ...option, id: optionId };
        }),
      };
    }),
  };
}

/** The questions of `quiz` that `known` (the ids the editor has seen stored) does not have: e.g. just imported. */
export function newQuestions(quiz: AuthoredQuiz, known: QuizDraft): QuestionDraft[] {
  const ids = new Set(known.questions.map((question) => question.id));
  return quiz.questions
    .filter((question) => !ids.has(question.id))
    .map((question) => questionDraft(question));
}
