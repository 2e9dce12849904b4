import { Type } from '@sinclair/typebox';
import { maxContentLength, maxDescriptionLength, maxTitleLength } from '../db/schema.js';

/** Ids are bigint in SQL and JS numbers on the wire: anything that is not a safe positive integer is a 422. */
export const idSchema = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const courseParams = Type.Object({ id: idSchema });
export const lessonParams = Type.Object({ id: idSchema, lesson_id: idSchema });
export const internalLessonParams = Type.Object({ lesson_id: idSchema });
export const internalCourseParams = Type.Object({ course_id: idSchema });

export const listCoursesQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'page size' }),
  offset: Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 0,
    description: 'courses to skip; for deep pages follow the Link: rel="next" cursor instead',
  }),
  q: Type.Optional(
    Type.String({ maxLength: 200, description: 'case-insensitive search in titles and descriptions' }),
  ),
  cursor: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{1,32}$',
      description: 'opaque keyset cursor from the previous page\'s Link: rel="next"',
    }),
  ),
  owner: Type.Optional(
    Type.Literal('me', { description: "the caller's own courses, drafts included (needs a token)" }),
  ),
});

const title = Type.String({ minLength: 1, maxLength: maxTitleLength, pattern: '\\S' });
const description = Type.Union([Type.String({ maxLength: maxDescriptionLength }), Type.Null()]);
const content = Type.String({ maxLength: maxContentLength, description: 'markdown' });
const order = Type.Integer({
  minimum: 0,
  maximum: 1_000_000,
  description: '1-based position; 0 or past the end means last',
});

export const createCourseBody = Type.Object({
  title,
  description: Type.Optional(description),
  published: Type.Optional(Type.Boolean({ default: true })),
});

export const updateCourseBody = Type.Object(
  {
    title: Type.Optional(title),
    description: Type.Optional(description),
    published: Type.Optional(Type.Boolean()),
  },
  { description: 'at least one field' },
);

export const createLessonBody = Type.Object({
  title,
  content: Type.Optional(content),
  order: Type.Optional(order),
});

export const updateLessonBody = Type.Object(
  {
    title: Type.Optional(title),
    content: Type.Optional(content),
    order: Type.Optional(order),
  },
  { description: 'at least one field' },
);

const timestamp = Type.String({ format: 'date-time' });

export const courseSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  owner_id: Type.Integer(),
  published: Type.Boolean(),
  lessons_count: Type.Integer(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const courseDetailSchema = Type.Composite([
  courseSchema,
  Type.Object({
    lessons: Type.Array(Type.Object({ id: Type.Integer(), title: Type.String(), order: Type.Integer() })),
  }),
]);

export const lessonSchema = Type.Object({
  id: Type.Integer(),
  course_id: Type.Integer(),
  title: Type.String(),
  content: Type.String(),
  order: Type.Integer(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const lessonRefSchema = Type.Object({ lesson_id: Type.Integer(), course_id: Type.Integer() });

export const outlineSchema = Type.Object({
  course_id: Type.Integer(),
  owner_id: Type.Integer(),
  published: Type.Boolean(),
  lesson_ids: Type.Array(Type.Integer()),
});

export const noContent = Type.Null({ description: 'No Content' });
