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

const completed = Type.Object({ ok: Type.Literal(true), lesson_id: Type.Integer() });

export const completeLessonSchema = {
  ...common,
  summary: 'Mark a lesson completed (idempotent: a repeat keeps the first completion time)',
  description:
    'In an open course the first completion enrols the learner. 403 not_enrolled (other courses), ' +
    'not_available_yet (section not open), enrollment_closed; 409 lesson_locked (sequential course), ' +
    'course_full, quiz_required (a quiz lesson is completed by passing its quiz). ' +
    'Idempotent and safe to retry: sending it again, to any replica, stores nothing twice and keeps the first ' +
    'completion time. After a timeout at the edge (504 `upstream_timeout`, 502 `upstream_unavailable`, or no ' +
    'answer at all) the completion may or may not have been stored; retry it after `Retry-After`. A 503 ' +
    '`database_unavailable` means it was not stored.',
  params: lessonParams,
  response: { 200: completed, 403: problemSchema, 404: problemSchema, 409: problemSchema, ...errorResponses },
};

const courseParams = Type.Object({ course_id: id('a course id') });

export const enrollmentSchema = Type.Object({
  course_id: Type.Integer(),
  status: Type.Literal('enrolled'),
  enrolled_at: timestamp,
});

export const enrollSchema = {
  ...common,
  summary: 'Enrol in a course (201; 200 and the same body when already enrolled)',
  description:
    '409 course_full; 403 enrollment_closed | invite_required | invalid_invite; 404 for a course that does ' +
    'not exist or is not published.',
  params: courseParams,
  body: Type.Object(
    { invite_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
    { description: 'optional: no body is an enrolment without a code' },
  ),
  response: {
    200: enrollmentSchema,
    201: enrollmentSchema,
    403: problemSchema,
    404: problemSchema,
    409: problemSchema,
    ...errorResponses,
  },
};

export const seatsSchema = {
  tags: ['progress'],
  summary: "A published course's seats: capacity, taken and left (public, no token)",
  description:
    'left is null when the course has no seat limit; 404 for a course that does not exist or is not published.',
  params: courseParams,
  response: {
    200: Type.Object({
      course_id: Type.Integer(),
      capacity: Type.Union([Type.Integer(), Type.Null()]),
      taken: Type.Integer({ minimum: 0 }),
      left: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    }),
    404: problemSchema,
    422: problemSchema,
    503: problemSchema,
  },
};

export const unenrollSchema = {
  ...common,
  summary: 'Leave a course and free the seat (204 also when not enrolled)',
  params: courseParams,
  response: { 204: Type.Null(), 404: problemSchema, ...errorResponses },
};

export const rosterEntrySchema = Type.Object({
  user_id: Type.Integer(),
  email: Type.Union([Type.String(), Type.Null()], { description: 'null for an account since deleted' }),
  enrolled_at: timestamp,
  completed_lessons: Type.Integer(),
  percent: Type.Integer({ minimum: 0, maximum: 100 }),
  last_completed_at: nullableTimestamp,
});

export const rosterSchema = {
  ...common,
  summary: "A course's learners with their progress, in enrolment order (owner or admin)",
  description:
    'X-Total-Count carries the number enrolled; Link rel="next" the next page. With `Accept: text/csv` the ' +
    'whole roster comes as CSV (limit and offset are ignored).',
  params: courseParams,
  querystring: page(50, 200),
  response: {
    200: Type.Array(rosterEntrySchema),
    403: problemSchema,
    404: problemSchema,
    ...errorResponses,
  },
};

export const internalAccessSchema = {
  hide: true,
  body: Type.Object({
    user_id: id('the learner'),
    lesson_id: id('the lesson'),
    role: Type.Optional(
      Type.Union([Type.Literal('student'), Type.Literal('instructor'), Type.Literal('admin')]),
    ),
  }),
  response: {
    200: Type.Object({ course_id: Type.Integer(), enrolled: Type.Literal(true) }),
    403: problemSchema,
    404: problemSchema,
    409: problemSchema,
    ...errorResponses,
  },
};

/** Most checks one access batch may carry. */
export const ACCESS_BATCH_MAX = 500;

/**
 * Many access checks in one call (assessments batches the starts of an exam rush): answers each check in order,
 * as the single route would, its status and either the course or progress's problem.
 */
export const internalAccessBatchSchema = {
  hide: true,
  body: Type.Object({
    checks: Type.Array(internalAccessSchema.body, { minItems: 1, maxItems: ACCESS_BATCH_MAX }),
  }),
  response: {
    200: Type.Object({
      answers: Type.Array(
        Type.Object({
          status: Type.Integer(),
          course_id: Type.Optional(Type.Integer()),
          problem: Type.Optional(problemSchema),
        }),
      ),
    }),
    ...errorResponses,
  },
};

export const internalCompleteSchema = {
  hide: true,
  params: lessonParams,
  body: Type.Object({
    user_id: id('the learner'),
    role: Type.Optional(
      Type.Union([Type.Literal('student'), Type.Literal('instructor'), Type.Literal('admin')]),
    ),
  }),
  response: { 200: completed, 403: problemSchema, 404: problemSchema, 409: problemSchema, ...errorResponses },
};

export const uncompleteLessonSchema = {
  ...common,
  summary: 'Mark a lesson not completed (204 also when it was not)',
  description: 'Idempotent, like the completion: safe to retry after an edge timeout.',
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
  summary: "The caller's progress in every course they are enrolled in, newest enrolment first",
  description: 'X-Total-Count carries the number of enrolments; Link rel="next" the next page.',
  querystring: page(20, 100),
  response: { 200: Type.Array(courseSummarySchema), ...errorResponses },
};
