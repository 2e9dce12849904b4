import { Type } from '@sinclair/typebox';
import {
  enrollmentPolicies,
  lessonKinds,
  maxContentLength,
  maxDescriptionLength,
  maxTitleLength,
} from '../db/schema.js';

/** Ids are bigint in SQL and JS numbers on the wire: anything that is not a safe positive integer is a 422. */
export const idSchema = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const courseParams = Type.Object({ id: idSchema });
export const lessonParams = Type.Object({ id: idSchema, lesson_id: idSchema });
export const sectionParams = Type.Object({ id: idSchema, section_id: idSchema });
const inviteCode = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
export const inviteParams = Type.Object({ id: idSchema, code: inviteCode });
export const internalInviteParams = Type.Object({ course_id: idSchema, code: inviteCode });
export const internalRedemptionParams = Type.Object({
  course_id: idSchema,
  code: inviteCode,
  user_id: idSchema,
});
export const redemptionBody = Type.Object({ user_id: idSchema });
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

const timestamp = Type.String({ format: 'date-time' });
const nullableTimestamp = Type.Union([timestamp, Type.Null()]);
const enrollment = Type.Union(
  enrollmentPolicies.map((policy) => Type.Literal(policy)),
  { description: 'open: anyone may enrol; invite: with a code; closed: nobody new' },
);
const kind = Type.Union(
  lessonKinds.map((lessonKind) => Type.Literal(lessonKind)),
  { description: 'text (default) or quiz' },
);
const nullableId = Type.Union([idSchema, Type.Null()]);

const courseSettings = {
  enrollment: Type.Optional(enrollment),
  capacity: Type.Optional(
    Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000 }), Type.Null()], {
      description: 'most learners enrolled at once; null: unlimited',
    }),
  ),
  enroll_opens_at: Type.Optional(nullableTimestamp),
  enroll_closes_at: Type.Optional(nullableTimestamp),
  sequential: Type.Optional(Type.Boolean({ description: 'lessons must be completed in course order' })),
};

export const createCourseBody = Type.Object({
  title,
  description: Type.Optional(description),
  published: Type.Optional(Type.Boolean({ default: true })),
  ...courseSettings,
});

export const updateCourseBody = Type.Object(
  {
    title: Type.Optional(title),
    description: Type.Optional(description),
    published: Type.Optional(Type.Boolean()),
    ...courseSettings,
  },
  { description: 'at least one field' },
);

export const createLessonBody = Type.Object({
  title,
  content: Type.Optional(content),
  order: Type.Optional(order),
  kind: Type.Optional(kind),
  section_id: Type.Optional(nullableId),
});

export const updateLessonBody = Type.Object(
  {
    title: Type.Optional(title),
    content: Type.Optional(content),
    order: Type.Optional(order),
    kind: Type.Optional(kind),
    section_id: Type.Optional(
      Type.Union([idSchema, Type.Null()], { description: 'moves the lesson into a section; null: out' }),
    ),
  },
  { description: 'at least one field' },
);

export const createSectionBody = Type.Object({
  title,
  order: Type.Optional(order),
  available_from: Type.Optional(nullableTimestamp),
});

export const updateSectionBody = Type.Object(
  {
    title: Type.Optional(title),
    order: Type.Optional(order),
    available_from: Type.Optional(nullableTimestamp),
  },
  { description: 'at least one field' },
);

export const createInviteBody = Type.Object({
  max_uses: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()])),
  expires_at: Type.Optional(nullableTimestamp),
});

export const courseSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  owner_id: Type.Integer(),
  published: Type.Boolean(),
  lessons_count: Type.Integer(),
  enrollment,
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  enroll_opens_at: nullableTimestamp,
  enroll_closes_at: nullableTimestamp,
  sequential: Type.Boolean(),
  created_at: timestamp,
  updated_at: timestamp,
});

const sectionOutline = {
  id: Type.Integer(),
  title: Type.String(),
  order: Type.Integer(),
  available_from: nullableTimestamp,
  lesson_ids: Type.Array(Type.Integer(), { description: 'by lesson order' }),
};

export const sectionSchema = Type.Object({ ...sectionOutline, course_id: Type.Integer() });

export const courseDetailSchema = Type.Composite([
  courseSchema,
  Type.Object({
    lessons: Type.Array(
      Type.Object({
        id: Type.Integer(),
        title: Type.String(),
        order: Type.Integer(),
        kind,
        section_id: Type.Union([Type.Integer(), Type.Null()]),
      }),
    ),
    sections: Type.Array(Type.Object(sectionOutline)),
  }),
]);

export const lessonSchema = Type.Object({
  id: Type.Integer(),
  course_id: Type.Integer(),
  title: Type.String(),
  content: Type.String({ description: "empty for learners until the lesson's section opens" }),
  order: Type.Integer(),
  kind,
  section_id: Type.Union([Type.Integer(), Type.Null()]),
  available_from: Type.Union([timestamp, Type.Null()], { description: "its section's release instant" }),
  created_at: timestamp,
  updated_at: timestamp,
});

export const inviteSchema = Type.Object({
  code: Type.String(),
  max_uses: Type.Union([Type.Integer(), Type.Null()]),
  uses: Type.Integer(),
  expires_at: nullableTimestamp,
  created_at: timestamp,
});

export const lessonRefSchema = Type.Object({ lesson_id: Type.Integer(), course_id: Type.Integer() });

export const outlineSchema = Type.Object({
  course_id: Type.Integer(),
  owner_id: Type.Integer(),
  published: Type.Boolean(),
  lesson_ids: Type.Array(Type.Integer(), { description: 'in course order' }),
  title: Type.String(),
  enrollment,
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  enroll_opens_at: nullableTimestamp,
  enroll_closes_at: nullableTimestamp,
  sequential: Type.Boolean(),
  lessons: Type.Array(
    Type.Object({
      id: Type.Integer(),
      kind,
      section_id: Type.Union([Type.Integer(), Type.Null()]),
      available_from: nullableTimestamp,
    }),
    { description: 'in course order: lessons without a section first, then section by section' },
  ),
});

export const redemptionSchema = Type.Object({ code: Type.String() });

export const noContent = Type.Null({ description: 'No Content' });
