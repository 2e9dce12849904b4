import { Type } from '@sinclair/typebox';
import { bearerSecurity, problemSchema } from '@lectern/kit';

/** Ids are positive bigints that JSON numbers carry exactly; anything else is a 422, never a database error. */
const id = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

const timestamp = Type.String({ format: 'date-time' });
const nullableTimestamp = Type.Union([timestamp, Type.Null()]);

const lessonParams = Type.Object({ lesson_id: id('a lesson id') });

const page = (defaultLimit: number, maxLimit: number) =>
  Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit }),
    offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
  });

export const courseSummarySchema = Type.Object({
  course_id: Type.Integer(),
  completed_lessons: Type.Integer(),
  total_lessons: Type.Integer(),
  percent: Type.Integer({
    minimum: 0,
    maximum: 100,
    description: 'completed share of the current lessons, rounded down',
  }),
  next_lesson_id: Type.Union([Type.Integer(), Type.Null()], {
    description: 'the first lesson in course order not completed yet; null when all are (or there are none)',
  }),
  last_completed_at: nullableTimestamp,
  completed_at: Type.Union([timestamp, Type.Null()], {
    description: 'when the last missing lesson was completed; null until every current lesson is',
  }),
  completed_lesson_ids: Type.Array(Type.Integer(), { description: 'in course order' }),
});

const common = { tags: ['progress'], security: bearerSecurity };
const errorResponses = { 401: problemSchema, 422: problemSchema, 503: problemSchema };

export const completeLessonSchema = {
  ...common,
  summary: 'Mark a lesson completed (idempotent: a repeat keeps the first completion time)',
  params: lessonParams,
  response: {
    200: Type.Object({ ok: Type.Literal(true), lesson_id: Type.Integer() }),
    404: problemSchema,
    ...errorResponses,
  },
};

export const uncompleteLessonSchema = {
  ...common,
  summary: 'Mark a lesson not completed (204 also when it was not)',
  params: lessonParams,
  response: { 204: Type.Null(), 404: problemSchema, ...errorResponses },
};

export const myCompletionsSchema = {
  ...common,
  summary: "The caller's completed lessons, newest first",
  description: 'X-Total-Count carries the number of completions; Link rel="next" the next page.',
  querystring: page(50, 200),
  response: {
    200: Type.Array(Type.Object({ lesson_id: Type.Integer(), completed_at: timestamp })),
    ...errorResponses,
  },
};

export const courseSummaryRouteSchema = {
  ...common,
  summary: "The caller's progress in one course",
  params: Type.Object({ course_id: id('a course id') }),
  response: { 200: courseSummarySchema, 404: problemSchema, ...errorResponses },
};

export const myCoursesSchema = {
  ...common,
  summary: "The caller's progress in every course they have started, most recently active first",
  description: 'X-Total-Count carries the number of started courses; Link rel="next" the next page.',
  querystring: page(20, 100),
  response: { 200: Type.Array(courseSummarySchema), ...errorResponses },
};
