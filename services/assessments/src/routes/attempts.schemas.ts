import { Type, type Static } from '@sinclair/typebox';
import { bearerSecurity, problemSchema } from '@lectern/kit';
import { id, lessonParams } from './quizzes.schemas.js';

const timestamp = Type.String({ format: 'date-time' });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const attemptParams = Type.Object({ id: id('an attempt id') });

const paperQuestion = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  text: Type.String({ description: 'markdown' }),
  points: Type.Number(),
  options: Type.Optional(Type.Array(Type.Object({ id: Type.Integer(), text: Type.String() }))),
});

export const answerInput = Type.Object(
  {
    question_id: id('a question of the attempt'),
    option_ids: Type.Optional(Type.Array(id('an option id'), { maxItems: 50 })),
    text: Type.Optional(Type.String({ maxLength: 50_000 })),
    number: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

const savedResponse = Type.Object({
  question_id: Type.Integer(),
  option_ids: Type.Optional(Type.Array(Type.Integer())),
  text: Type.Optional(Type.String()),
  number: Type.Optional(Type.Number()),
});
export type SavedResponse = Static<typeof savedResponse>;

const questionResult = Type.Object({
  id: Type.Integer(),
  points: nullable(Type.Number({ description: 'null until graded by hand' })),
  max_points: Type.Number(),
  correct: nullable(Type.Boolean()),
  comment: nullable(Type.String()),
  key: Type.Object({
    option_ids: Type.Optional(Type.Array(Type.Integer())),
    accepted: Type.Optional(Type.Array(Type.String())),
    value: Type.Optional(Type.Number()),
    tolerance: Type.Optional(Type.Number()),
  }),
});
export type QuestionResult = Static<typeof questionResult>;

export const attemptResult = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  score: nullable(Type.Number()),
  max_score: nullable(Type.Number()),
  percent: nullable(Type.Number()),
  passed: Type.Boolean(),
  questions: Type.Optional(
    Type.Array(questionResult, { description: 'per-question results, as show_answers allows' }),
  ),
});
export type AttemptResult = Static<typeof attemptResult>;

export const attemptView = Type.Object({
  id: Type.Integer(),
  lesson_id: Type.Integer(),
  user_id: Type.Integer(),
  number: Type.Integer(),
  status: Type.String(),
  started_at: timestamp,
  deadline: nullable(timestamp),
  submitted_at: nullable(timestamp),
  closed_by_server: Type.Boolean(),
  score: nullable(Type.Number()),
  max_score: nullable(Type.Number()),
  percent: nullable(Type.Number()),
  passed: nullable(Type.Boolean()),
  questions: Type.Array(paperQuestion, {
    description: 'in the order this attempt shows them; never with keys',
  }),
  responses: Type.Array(savedResponse),
  results: Type.Optional(
    Type.Array(questionResult, { description: 'as show_answers allows (always for owners)' }),
  ),
});
export type AttemptView = Static<typeof attemptView>;

export const startedAttempt = Type.Object({
  id: Type.Integer(),
  lesson_id: Type.Integer(),
  number: Type.Integer(),
  status: Type.Literal('in_progress'),
  started_at: timestamp,
  deadline: nullable(timestamp),
  questions: Type.Array(paperQuestion),
  responses: Type.Array(savedResponse, { description: 'saved answers, when an attempt is resumed' }),
});

const common = { tags: ['assessments'], security: bearerSecurity };
const errorResponses = { 401: problemSchema, 404: problemSchema, 422: problemSchema, 503: problemSchema };

export const startAttemptSchema = {
  ...common,
  summary: 'Start an attempt (201), or resume the one in progress (200)',
  params: lessonParams,
  response: {
    200: startedAttempt,
    201: startedAttempt,
    403: problemSchema,
    409: problemSchema,
    ...errorResponses,
  },
};

export const saveAnswersSchema = {
  ...common,
  summary: 'Save answers (partial and idempotent; the last save of a question wins)',
  params: attemptParams,
  body: Type.Object({ answers: Type.Array(answerInput, { maxItems: 500 }) }, { additionalProperties: false }),
  response: { 200: Type.Object({ saved_at: timestamp }), 409: problemSchema, ...errorResponses },
};

export const submitAttemptSchema = {
  ...common,
  summary: 'Submit an attempt: graded at once, or needs_grading when it has essays',
  params: attemptParams,
  response: { 200: attemptResult, ...errorResponses },
};

export const getAttemptSchema = {
  ...common,
  summary: 'An attempt (its learner, the course owner, admins)',
  params: attemptParams,
  response: { 200: attemptView, ...errorResponses },
};

export const gradeAttemptSchema = {
  ...common,
  summary: 'Grade one essay of an attempt by hand (owner or admin)',
  params: attemptParams,
  body: Type.Object(
    {
      question_id: id('an essay question of the attempt'),
      points: Type.Number({ minimum: 0, maximum: 1000 }),
      comment: Type.Optional(Type.String({ maxLength: 10_000 })),
    },
    { additionalProperties: false },
  ),
  response: { 200: attemptView, 403: problemSchema, 409: problemSchema, ...errorResponses },
};

export const quizAttemptsSchema = {
  ...common,
  summary: "A quiz's attempts, e.g. the grading queue with status=needs_grading (owner or admin)",
  params: lessonParams,
  querystring: Type.Object({
    status: Type.Optional(
      Type.Union([Type.Literal('in_progress'), Type.Literal('needs_grading'), Type.Literal('graded')]),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
  }),
  response: {
    200: Type.Array(
      Type.Object({
        id: Type.Integer(),
        user_id: Type.Integer(),
        number: Type.Integer(),
        status: Type.String(),
        started_at: timestamp,
        submitted_at: nullable(timestamp),
        score: nullable(Type.Number()),
        max_score: nullable(Type.Number()),
        percent: nullable(Type.Number()),
        passed: nullable(Type.Boolean()),
      }),
    ),
    403: problemSchema,
    ...errorResponses,
  },
};
