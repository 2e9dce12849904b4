import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

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

/** Who is enrolled where. Enrolling takes a seat of `course_seats` in the same transaction. */
export const enrollments = progressSchema.table(
  'enrollments',
  {
    courseId: bigint('course_id', { mode: 'number' }).notNull(),
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    enrolledAt: timestamp('enrolled_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'enrollments_pkey', columns: [table.courseId, table.userId] }),
    // `/my/courses`, newest enrolment first.
    index('enrollments_user_enrolled_idx').on(
      table.userId,
      table.enrolledAt.desc().nullsFirst(),
      table.courseId.desc().nullsFirst(),
    ),
    // The roster, in enrolment order.
    index('enrollments_course_enrolled_idx').on(table.courseId, table.enrolledAt, table.userId),
  ],
);

/**
 * Seats taken per course: the one row every enrolment in a course locks for a moment, so the count never passes
 * the capacity whatever the concurrency. Enrolments are group-committed, so a rush locks it once per batch.
 */
export const courseSeats = progressSchema.table(
  'course_seats',
  {
    courseId: bigint('course_id', { mode: 'number' }).primaryKey(),
    taken: integer('taken').notNull().default(0),
  },
  (table) => [check('course_seats_taken_check', sql`${table.taken} >= 0`)],
);

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/**
 * One per learner and course, issued once when every lesson of the course is complete. Course title and learner
 * are copied in, so later edits or deleted lessons never change or un-issue a certificate.
 */
export const certificates = progressSchema.table(
  'certificates',
  {
    id: text('id').primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    courseId: bigint('course_id', { mode: 'number' }).notNull(),
    courseTitle: text('course_title').notNull(),
    learner: text('learner').notNull(),
    locale: text('locale').notNull().default('en'),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    credential: text('credential').notNull(),
  },
  (table) => [uniqueIndex('certificates_user_course_idx').on(table.userId, table.courseId)],
);

/** Each certificate's PDF as last made (by the job, or on first download), for its state then. */
export const certificatePdfs = progressSchema.table('certificate_pdfs', {
  certificateId: text('certificate_id')
    .primaryKey()
    .references(() => certificates.id),
  revoked: boolean('revoked').notNull(),
  pdf: bytea('pdf').notNull(),
  madeAt: timestamp('made_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Courses a learner may just have completed, written by the completion's own transaction: the certificate is
 * issued from here after the commit, so issuing never slows a completion and a crash never loses one.
 */
export const certificateChecks = progressSchema.table(
  'certificate_checks',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    courseId: bigint('course_id', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ name: 'certificate_checks_pkey', columns: [table.userId, table.courseId] })],
);

/** Analytics counters per course, kept by the writes: learners who started (completed anything) and completed. */
export const courseStats = progressSchema.table('course_stats', {
  courseId: bigint('course_id', { mode: 'number' }).primaryKey(),
  started: integer('started').notNull().default(0),
  completed: integer('completed').notNull().default(0),
});

/** Learners who completed each lesson: the funnel, one row per lesson. */
export const lessonStats = progressSchema.table('lesson_stats', {
  lessonId: bigint('lesson_id', { mode: 'number' }).primaryKey(),
  courseId: bigint('course_id', { mode: 'number' }).notNull(),
  completed: integer('completed').notNull().default(0),
});

/** How many learners took how many whole days from enrolment to completion: the median without the learners. */
export const courseCompletionDays = progressSchema.table(
  'course_completion_days',
  {
    courseId: bigint('course_id', { mode: 'number' }).notNull(),
    days: integer('days').notNull(),
    learners: integer('learners').notNull().default(0),
  },
  (table) => [primaryKey({ name: 'course_completion_days_pkey', columns: [table.courseId, table.days] })],
);
