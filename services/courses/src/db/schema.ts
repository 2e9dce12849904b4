import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  varchar,
} from 'drizzle-orm/pg-core';

export const coursesSchema = pgSchema('courses');

export const maxTitleLength = 255;
export const maxDescriptionLength = 10_000;
export const maxContentLength = 1_048_576;

export const enrollmentPolicies = ['open', 'invite', 'closed'] as const;
export const lessonKinds = ['text', 'quiz'] as const;
export const enrollmentPolicy = coursesSchema.enum('enrollment_policy', enrollmentPolicies);
export const lessonKind = coursesSchema.enum('lesson_kind', lessonKinds);

export const courses = coursesSchema.table(
  'courses',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    title: varchar('title', { length: maxTitleLength }).notNull(),
    description: text('description'),
    ownerId: bigint('owner_id', { mode: 'number' }).notNull(),
    published: boolean('published').notNull().default(true),
    lessonsCount: integer('lessons_count').notNull().default(0),
    enrollment: enrollmentPolicy('enrollment').notNull().default('open'),
    /** null: unlimited. Progress counts the seats taken; this is only the limit. */
    capacity: integer('capacity'),
    enrollOpensAt: timestamp('enroll_opens_at', { withTimezone: true }),
    enrollClosesAt: timestamp('enroll_closes_at', { withTimezone: true }),
    /** Lessons must be completed in course order. */
    sequential: boolean('sequential').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('courses_owner_id_id_idx').on(table.ownerId, table.id),
    // `q=` is `title ILIKE '%q%' OR description ILIKE '%q%'`: trigram indexes answer both sides (BitmapOr).
    index('courses_title_trgm_idx').using('gin', table.title.op('gin_trgm_ops')),
    index('courses_description_trgm_idx').using('gin', table.description.op('gin_trgm_ops')),
    check('courses_lessons_count_check', sql`${table.lessonsCount} >= 0`),
    check('courses_capacity_check', sql`${table.capacity} is null or ${table.capacity} >= 0`),
  ],
);

/** Sections are ordered 1..n per course (kept contiguous by the service under the course's row lock). */
export const sections = coursesSchema.table(
  'sections',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: maxTitleLength }).notNull(),
    order: integer('order').notNull(),
    /** Learners see the content of its lessons from this instant on; null: always. */
    availableFrom: timestamp('available_from', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('sections_course_id_order_idx').on(table.courseId, table.order),
    check('sections_order_check', sql`${table.order} >= 1`),
  ],
);

/**
 * Lesson order is a 1-based contiguous position per course. Its index is the deferrable unique constraint
 * `lessons_course_id_order_key` on (course_id, "order") in migration 0002 (drizzle cannot declare DEFERRABLE):
 * a move shifts a range of positions in one statement, which passes only if uniqueness is checked at commit.
 */
export const lessons = coursesSchema.table(
  'lessons',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: maxTitleLength }).notNull(),
    content: text('content').notNull().default(''),
    order: integer('order').notNull(),
    kind: lessonKind('kind').notNull().default('text'),
    /** null: the course's unnamed first part. A deleted section leaves its lessons here. */
    sectionId: bigint('section_id', { mode: 'number' }).references(() => sections.id, {
      onDelete: 'set null',
    }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('lessons_section_id_idx').on(table.sectionId),
    check('lessons_order_check', sql`${table.order} >= 1`),
    check(
      'lessons_content_length_check',
      sql`char_length(${table.content}) <= ${sql.raw(String(maxContentLength))}`,
    ),
  ],
);

/** Invite codes of a course; `uses` counts redemptions, each one a row of `invite_redemptions`. */
export const invites = coursesSchema.table(
  'invites',
  {
    code: varchar('code', { length: 64 }).primaryKey(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    maxUses: integer('max_uses'),
    uses: integer('uses').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('invites_course_id_idx').on(table.courseId, table.createdAt),
    check(
      'invites_uses_check',
      sql`${table.uses} >= 0 and (${table.maxUses} is null or ${table.uses} <= ${table.maxUses})`,
    ),
  ],
);

/** Who used which code: a redemption is counted once per learner, however often it is retried. */
export const inviteRedemptions = coursesSchema.table(
  'invite_redemptions',
  {
    code: varchar('code', { length: 64 })
      .notNull()
      .references(() => invites.code, { onDelete: 'cascade' }),
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    redeemedAt: timestamp('redeemed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ name: 'invite_redemptions_pkey', columns: [table.code, table.userId] })],
);
