import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgSchema,
  text,
  timestamp,
  varchar,
} from 'drizzle-orm/pg-core';

export const coursesSchema = pgSchema('courses');

export const maxTitleLength = 255;
export const maxDescriptionLength = 10_000;
export const maxContentLength = 1_048_576;

export const courses = coursesSchema.table(
  'courses',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    title: varchar('title', { length: maxTitleLength }).notNull(),
    description: text('description'),
    ownerId: bigint('owner_id', { mode: 'number' }).notNull(),
    published: boolean('published').notNull().default(true),
    lessonsCount: integer('lessons_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('courses_owner_id_id_idx').on(table.ownerId, table.id),
    // `q=` is `title ILIKE '%q%' OR description ILIKE '%q%'`: trigram indexes answer both sides (BitmapOr).
    index('courses_title_trgm_idx').using('gin', table.title.op('gin_trgm_ops')),
    index('courses_description_trgm_idx').using('gin', table.description.op('gin_trgm_ops')),
    check('courses_lessons_count_check', sql`${table.lessonsCount} >= 0`),
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
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check('lessons_order_check', sql`${table.order} >= 1`),
    check(
      'lessons_content_length_check',
      sql`char_length(${table.content}) <= ${sql.raw(String(maxContentLength))}`,
    ),
  ],
);
