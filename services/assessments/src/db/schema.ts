import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const assessmentsSchema = pgSchema('assessments');

/** A quiz's settings, keyed by the lesson (of kind quiz) it belongs to. `version` grows with every edit. */
export const quizzes = assessmentsSchema.table('quizzes', {
  lessonId: bigint('lesson_id', { mode: 'number' }).primaryKey(),
  courseId: bigint('course_id', { mode: 'number' }).notNull(),
  version: integer('version').notNull().default(1),
  timeLimitSeconds: integer('time_limit_seconds'),
  maxAttempts: integer('max_attempts'),
  passPercent: integer('pass_percent').notNull().default(60),
  grading: text('grading').notNull().default('highest'),
  shuffleQuestions: boolean('shuffle_questions').notNull().default(false),
  shuffleOptions: boolean('shuffle_options').notNull().default(false),
  draw: integer('draw'),
  showAnswers: text('show_answers').notNull().default('after_submit'),
  opensAt: timestamp('opens_at', { withTimezone: true }),
  closesAt: timestamp('closes_at', { withTimezone: true }),
  graceSeconds: integer('grace_seconds').notNull().default(60),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export interface StoredOption {
  id: number;
  text: string;
  correct: boolean;
  /** Removed options keep their id, so it is never given to another option and old answers keep meaning. */
  removed?: boolean;
}

/**
 * Questions keep their id across edits. A removed question stays (removed_in = the version that removed it), so
 * the paper of any version is the questions with added_in <= v < removed_in, and an attempt keeps its meaning.
 */
export const questions = assessmentsSchema.table(
  'questions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    lessonId: bigint('lesson_id', { mode: 'number' }).notNull(),
    position: integer('position').notNull(),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    points: doublePrecision('points').notNull().default(1),
    options: jsonb('options').$type<StoredOption[]>().notNull().default([]),
    answers: jsonb('answers').$type<string[]>().notNull().default([]),
    number: doublePrecision('number'),
    tolerance: doublePrecision('tolerance').notNull().default(0),
    addedIn: integer('added_in').notNull(),
    removedIn: integer('removed_in'),
  },
  (table) => [index('questions_lesson_idx').on(table.lessonId, table.position)],
);

/**
 * One row per attempt; the paper is not copied: the questions, their order and the options' order follow from
 * (paper_version, seed, draw, shuffle_*). close_at = deadline + grace, when the server submits what was saved.
 */
export const attempts = assessmentsSchema.table(
  'attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    lessonId: bigint('lesson_id', { mode: 'number' }).notNull(),
    courseId: bigint('course_id', { mode: 'number' }).notNull(),
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    number: integer('number').notNull(),
    seed: integer('seed').notNull(),
    paperVersion: integer('paper_version').notNull(),
    // The arrangement settings at start: with the seed they fix the attempt's questions and order for good.
    draw: integer('draw'),
    shuffleQuestions: boolean('shuffle_questions').notNull(),
    shuffleOptions: boolean('shuffle_options').notNull(),
    status: text('status').notNull().default('in_progress'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    deadline: timestamp('deadline', { withTimezone: true }),
    closeAt: timestamp('close_at', { withTimezone: true }),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    closedByServer: boolean('closed_by_server').notNull().default(false),
    score: doublePrecision('score'),
    maxScore: doublePrecision('max_score'),
    percent: doublePrecision('percent'),
    passed: boolean('passed'),
  },
  (table) => [
    unique('attempts_number_key').on(table.lessonId, table.userId, table.number),
    // At most one attempt in progress per learner and quiz: a second start resumes it.
    uniqueIndex('attempts_one_in_progress_idx')
      .on(table.lessonId, table.userId)
      .where(sql`status = 'in_progress'`),
    // The sweeper's scan: overdue attempts only.
    index('attempts_overdue_idx')
      .on(table.closeAt)
      .where(sql`status = 'in_progress'`),
    index('attempts_lesson_status_idx').on(table.lessonId, table.status, table.id),
  ],
);

/** A learner's saved answer to one question of an attempt; points and comment once graded. */
export const answers = assessmentsSchema.table(
  'answers',
  {
    attemptId: bigint('attempt_id', { mode: 'number' }).notNull(),
    questionId: bigint('question_id', { mode: 'number' }).notNull(),
    response: jsonb('response'),
    savedAt: timestamp('saved_at', { withTimezone: true }),
    points: doublePrecision('points'),
    comment: text('comment'),
  },
  (table) => [
    primaryKey({ name: 'answers_pkey', columns: [table.attemptId, table.questionId] }),
    index('answers_question_idx').on(table.questionId),
  ],
);

/**
 * Lesson completions owed to progress for passed quizzes, written in the same transaction as the grade and
 * delivered with retries; the key makes it once per learner and lesson however many attempts pass.
 */
export const completionOutbox = assessmentsSchema.table(
  'completion_outbox',
  {
    lessonId: bigint('lesson_id', { mode: 'number' }).notNull(),
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    tries: integer('tries').notNull().default(0),
    nextTryAt: timestamp('next_try_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    lastError: text('last_error'),
  },
  (table) => [
    primaryKey({ name: 'completion_outbox_pkey', columns: [table.lessonId, table.userId] }),
    index('completion_outbox_due_idx')
      .on(table.nextTryAt)
      .where(sql`delivered_at is null and failed_at is null`),
  ],
);
