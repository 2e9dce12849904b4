import { bigint, index, integer, pgSchema, primaryKey, timestamp } from 'drizzle-orm/pg-core';

export const progressSchema = pgSchema('progress');

/** One row per lesson a user has completed; the course is recorded so per-course bookkeeping needs no lookup. */
export const progress = progressSchema.table(
  'progress',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    lessonId: bigint('lesson_id', { mode: 'number' }).notNull(),
    courseId: bigint('course_id', { mode: 'number' }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'progress_pkey', columns: [table.userId, table.lessonId] }),
    // `/my`, newest first; lesson_id breaks ties between completions of one batch, so pages are stable.
    index('progress_user_completed_idx').on(
      table.userId,
      table.completedAt.desc().nullsFirst(),
      table.lessonId.desc().nullsFirst(),
    ),
    index('progress_lesson_idx').on(table.lessonId),
    // A course's latest completion when one is undone, read from the index alone.
    index('progress_user_course_idx').on(table.userId, table.courseId, table.completedAt),
  ],
);

/**
 * One row per course a user has started, kept in the same transaction as `progress`: `/my/courses` pages and
 * counts over these instead of a user's whole history.
 */
export const courseProgress = progressSchema.table(
  'course_progress',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    courseId: bigint('course_id', { mode: 'number' }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    lastCompletedAt: timestamp('last_completed_at', { withTimezone: true }).notNull(),
    completedCount: integer('completed_count').notNull(),
  },
  (table) => [
    primaryKey({ name: 'course_progress_pkey', columns: [table.userId, table.courseId] }),
    index('course_progress_user_recent_idx').on(
      table.userId,
      table.lastCompletedAt.desc().nullsFirst(),
      table.courseId.desc().nullsFirst(),
    ),
  ],
);
