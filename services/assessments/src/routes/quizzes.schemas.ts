import { Type, type Static } from '@sinclair/typebox';
import { bearerSecurity, problemSchema } from '@lectern/kit';
import { questionKinds } from '../paper.js';

/** Ids are positive bigints that JSON numbers carry exactly; anything else is a 422, never a database error. */
export const id = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

const timestamp = Type.String({ format: 'date-time' });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const lessonParams = Type.Object({ lesson_id: id('the id of the quiz lesson') });

const settingsProperties = {
  time_limit_seconds: Type.Optional(
    nullable(Type.Integer({ minimum: 1, maximum: 7 * 86_400, description: 'null: no time limit' })),
  ),
  max_attempts: Type.Optional(
    nullable(Type.Integer({ minimum: 1, maximum: 1000, description: 'null: unlimited' })),
  ),
  pass_percent: Type.Integer({ minimum: 0, maximum: 100, default: 60 }),
  grading: Type.Union([Type.Literal('highest'), Type.Literal('last'), Type.Literal('average')], {
    default: 'highest',
    description: "which graded attempts make the learner's grade",
  }),
  shuffle_questions: Type.Boolean({ default: false }),
  shuffle_options: Type.Boolean({ default: false }),
  draw: Type.Optional(
    nullable(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'questions drawn at random per attempt' }),
    ),
  ),
  show_answers: Type.Union(
    [Type.Literal('never'), Type.Literal('after_submit'), Type.Literal('after_close')],
    {
      default: 'after_submit',
      description:
        'when a learner sees per-question results and keys; after_close: once closes_at has passed, or once the learner has used every attempt',
    },
  ),
  opens_at: Type.Optional(nullable(timestamp)),
  closes_at: Type.Optional(nullable(timestamp)),
  grace_seconds: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 60,
    description: 'how long after the deadline answers are still accepted (network delays)',
  }),
};

const optionInput = Type.Object(
  {
    id: Type.Optional(id('an option id of this question, to keep it')),
    text: Type.String({ minLength: 1, maxLength: 5000, description: 'markdown' }),
    correct: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

const questionInput = Type.Object(
  {
    id: Type.Optional(id('a question id of this quiz, to keep it (and its statistics and answers)')),
    kind: Type.Union(questionKinds.map((kind) => Type.Literal(kind))),
    text: Type.String({ minLength: 1, maxLength: 20_000, description: 'markdown' }),
    points: Type.Number({ minimum: 0, maximum: 1000, default: 1 }),
    options: Type.Optional(Type.Array(optionInput, { maxItems: 50 })),
    answers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 500 }), {
        maxItems: 50,
        description: 'short_text: accepted answers; true_false without options: ["true"] or ["false"]',
      }),
    ),
    number: Type.Optional(Type.Number({ description: 'numeric: the value' })),
    tolerance: Type.Optional(
      Type.Number({ minimum: 0, description: 'numeric: accepted distance from the value' }),
    ),
  },
  { additionalProperties: false },
);

export const quizInput = Type.Object(
  { ...settingsProperties, questions: Type.Array(questionInput, { maxItems: 500 }) },
  { additionalProperties: false },
);
export type QuizInput = Static<typeof quizInput>;
export type QuestionInput = Static<typeof questionInput>;

const keyedQuestion = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  text: Type.String(),
  points: Type.Number(),
  options: Type.Optional(
    Type.Array(Type.Object({ id: Type.Integer(), text: Type.String(), correct: Type.Boolean() })),
  ),
  answers: Type.Optional(Type.Array(Type.String())),
  number: Type.Optional(Type.Number()),
  tolerance: Type.Optional(Type.Number()),
});

const attemptSummary = Type.Object({
  id: Type.Integer(),
  number: Type.Integer(),
  status: Type.String(),
  started_at: timestamp,
  deadline: nullable(timestamp),
  submitted_at: nullable(timestamp),
  score: nullable(Type.Number()),
  max_score: nullable(Type.Number()),
  percent: nullable(Type.Number()),
  passed: nullable(Type.Boolean()),
});
export type AttemptSummary = Static<typeof attemptSummary>;

/** One shape for both readers: owners get `questions` (with keys), learners `attempts` and their grade. */
export const quizView = Type.Object({
  lesson_id: Type.Integer(),
  course_id: Type.Integer(),
  version: Type.Integer(),
  time_limit_seconds: nullable(Type.Integer()),
  max_attempts: nullable(Type.Integer()),
  pass_percent: Type.Integer(),
  grading: Type.String(),
  shuffle_questions: Type.Boolean(),
  shuffle_options: Type.Boolean(),
  draw: nullable(Type.Integer()),
  show_answers: Type.String(),
  opens_at: nullable(timestamp),
  closes_at: nullable(timestamp),
  grace_seconds: Type.Integer(),
  question_count: Type.Integer({ description: 'questions in one attempt' }),
  questions: Type.Optional(Type.Array(keyedQuestion, { description: 'owners and admins only' })),
  attempts: Type.Optional(Type.Array(attemptSummary, { description: "the caller's attempts" })),
  grade_percent: Type.Optional(
    nullable(Type.Number({ description: "the caller's grade by the quiz's method" })),
  ),
  passed: Type.Optional(Type.Boolean()),
});
export type QuizView = Static<typeof quizView>;

export const questionStats = Type.Object({
  question_id: Type.Integer(),
  kind: Type.String(),
  text: Type.String(),
  attempts: Type.Integer({ description: 'graded attempts that had this question' }),
  mean_score: nullable(Type.Number()),
  share_correct: nullable(Type.Number({ description: 'share of those attempts with full points' })),
  discrimination: nullable(
    Type.Number({ description: 'mean score share in the top third of attempts minus in the bottom third' }),
  ),
});

const common = { tags: ['assessments'], security: bearerSecurity };
const errorResponses = {
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  422: problemSchema,
  503: problemSchema,
};

export const putQuizSchema = {
  ...common,
  summary: 'Create or replace a quiz: settings and questions (owner or admin)',
  description:
    'Questions sent with their id keep it (and their answers and statistics); questions left out are removed from new attempts. Options likewise.',
  params: lessonParams,
  body: quizInput,
  response: { 200: quizView, 409: problemSchema, ...errorResponses },
};

export const getQuizSchema = {
  ...common,
  summary:
    'A quiz: with keys for its owner and admins; settings, question count and own attempts for learners',
  params: lessonParams,
  response: { 200: quizView, ...errorResponses },
};

export const importQuizSchema = {
  ...common,
  summary: 'Append questions written in GIFT (text/plain); 422 names the failing line',
  params: lessonParams,
  body: Type.String({ minLength: 1, maxLength: 1_000_000 }),
  response: { 200: quizView, 409: problemSchema, ...errorResponses },
};

export const quizStatsSchema = {
  ...common,
  summary: 'Item statistics per current question (owner or admin)',
  params: lessonParams,
  response: { 200: Type.Array(questionStats), ...errorResponses },
};
