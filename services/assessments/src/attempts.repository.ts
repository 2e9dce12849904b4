import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import type { Database, Db } from '@lectern/kit';
import { answers, attempts, completionOutbox } from './db/schema.js';
import type { AnswerResponse } from './grading.js';

export type AttemptRow = typeof attempts.$inferSelect;
export type AttemptStatus = 'in_progress' | 'needs_grading' | 'graded';

export interface StartAttempt {
  lessonId: number;
  courseId: number;
  userId: number;
  seed: number;
  paperVersion: number;
  draw: number | null;
  shuffleQuestions: boolean;
  shuffleOptions: boolean;
  timeLimitSeconds: number | null;
  closesAt: Date | null;
  graceSeconds: number;
  maxAttempts: number | null;
}

export interface StartedAttempt {
  id: number;
  number: number;
  startedAt: Date;
  deadline: Date | null;
}

/** One autosave request: the answers of one attempt, owned by `userId`. */
export interface Autosave {
  attemptId: number;
  userId: number;
  answers: { questionId: number; response: AnswerResponse }[];
}

export interface SavedAnswer {
  questionId: number;
  response: AnswerResponse | null;
  points: number | null;
  comment: string | null;
}

export interface GradedPoints {
  questionId: number;
  points: number | null;
}

export interface DueCompletion {
  lessonId: number;
  userId: number;
  tries: number;
}

/** The statements on the exam-start paths, exported so tests can EXPLAIN what runs. */
export const attemptsSql = {
  /**
   * Starting is one row of this statement, group-committed with the starts that arrive together: per start, the
   * next attempt number, the attempt limit and the deadline from the database's clock (time limit, capped by the
   * quiz's close), all in the insert. A learner's attempt already in progress (or a concurrent start, in this batch
   * or another) makes it insert nothing for that learner, and the caller resumes that one.
   */
  start: `
    insert into assessments.attempts
      (lesson_id, course_id, user_id, number, seed, paper_version, draw, shuffle_questions, shuffle_options,
       deadline, close_at)
    select input.lesson_id, input.course_id, input.user_id, used.next_number, input.seed, input.paper_version,
      input.draw, input.shuffle_questions, input.shuffle_options,
      timing.deadline, timing.deadline + make_interval(secs => input.grace_seconds)
    from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::int[], $6::int[], $7::bool[], $8::bool[],
                $9::int[], $10::timestamptz[], $11::int[], $12::int[])
           as input (lesson_id, course_id, user_id, seed, paper_version, draw, shuffle_questions, shuffle_options,
                     time_limit_seconds, closes_at, grace_seconds, max_attempts)
    cross join lateral (
      select coalesce(max(number), 0) + 1 as next_number, count(*) as used
      from assessments.attempts where lesson_id = input.lesson_id and user_id = input.user_id) as used
    cross join lateral (
      select case when input.time_limit_seconds is null then input.closes_at
                  else least(now() + make_interval(secs => input.time_limit_seconds), input.closes_at)
             end as deadline) as timing
    where input.max_attempts is null or used.used < input.max_attempts
    on conflict do nothing
    returning id, lesson_id, user_id, seed, number, started_at, deadline`,

  /**
   * Group commit of autosaves: one statement for a whole batch. Only attempts of the caller that are still open
   * take answers, and only to questions of the attempt's paper version; FOR SHARE makes a save and the deadline's
   * close of the same attempt wait for each other, so a save is either in the graded attempt or refused, never
   * acknowledged and then ignored. The attempt is looked up per answer by its key (a lateral subquery with a
   * locking clause is never flattened into a join): with a hash join instead, planned on statistics from before
   * the exam began, every batch read every open attempt.
   */
  saveAnswers: `
    insert into assessments.answers (attempt_id, question_id, response, saved_at)
    select input.attempt_id, input.question_id, input.response, now()
    from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::jsonb[])
           as input (attempt_id, user_id, question_id, response)
    cross join lateral (
      select attempts.lesson_id, attempts.paper_version
      from assessments.attempts
      where attempts.id = input.attempt_id and attempts.user_id = input.user_id
        and attempts.status = 'in_progress' and (attempts.close_at is null or attempts.close_at > now())
      for share) as attempt
    join assessments.questions on questions.id = input.question_id and questions.lesson_id = attempt.lesson_id
      and questions.added_in <= attempt.paper_version
      and (questions.removed_in is null or questions.removed_in > attempt.paper_version)
    on conflict (attempt_id, question_id) do update set response = excluded.response, saved_at = excluded.saved_at
    returning attempt_id, (select user_id from assessments.attempts where id = attempt_id) as user_id, saved_at`,
} as const;

export class AttemptsRepository {
  constructor(private readonly database: Database) {}

  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return this.database.db.transaction((tx) => work(tx));
  }

  /**
   * Inserts a batch of starts in one statement and answers, per start, its attempt, or null when it inserted
   * nothing (an attempt in progress, the limit reached, or another start of the same learner won).
   */
  async start(batch: readonly StartAttempt[]): Promise<(StartedAttempt | null)[]> {
    const column = <T>(pick: (input: StartAttempt) => T) => batch.map(pick);
    const { rows } = await this.database.query<{
      id: string;
      lesson_id: string;
      user_id: string;
      seed: number;
      number: number;
      started_at: Date;
      deadline: Date | null;
    }>(attemptsSql.start, [
      column((input) => input.lessonId),
      column((input) => input.courseId),
      column((input) => input.userId),
      column((input) => input.seed),
      column((input) => input.paperVersion),
      column((input) => input.draw),
      column((input) => input.shuffleQuestions),
      column((input) => input.shuffleOptions),
      column((input) => input.timeLimitSeconds),
      column((input) => input.closesAt),
      column((input) => input.graceSeconds),
      column((input) => input.maxAttempts),
    ]);
    // A learner's two starts in one batch: the row inserted carries the seed of the start that won.
    const inserted = new Map(rows.map((row) => [`${row.lesson_id}:${row.user_id}:${row.seed}`, row]));
    return batch.map((input) => {
      const row = inserted.get(`${input.lessonId}:${input.userId}:${input.seed}`);
      return row
        ? { id: Number(row.id), number: row.number, startedAt: row.started_at, deadline: row.deadline }
        : null;
    });
  }

  /**
   * Writes a batch of autosaves (the last answer wins when one question comes twice) and answers, per autosave,
   * when it was saved, or null when its attempt took nothing (closed, not the caller's, or no answers sent).
   */
  async saveAnswers(batch: readonly Autosave[]): Promise<(Date | null)[]> {
    // Keyed by the caller too: someone else's autosave naming the same attempt (refused by the statement's owner
    // check) must not replace the owner's answer in the batch, which then came back refused (422) although the
    // attempt was open. Only the owner's rows can be taken, so two callers never write the same row.
    const latest = new Map<
      string,
      { attemptId: number; userId: number; questionId: number; response: string }
    >();
    for (const autosave of batch) {
      for (const answer of autosave.answers) {
        latest.set(`${autosave.attemptId}:${autosave.userId}:${answer.questionId}`, {
          attemptId: autosave.attemptId,
          userId: autosave.userId,
          questionId: answer.questionId,
          response: JSON.stringify(answer.response),
        });
      }
    }
    // In attempt order: the statement locks each attempt as it meets it, so batches in flight lock alike.
    const rows = [...latest.values()].sort(
      (x, y) => x.attemptId - y.attemptId || x.questionId - y.questionId,
    );
    if (rows.length === 0) return batch.map(() => null);
    const { rows: saved } = await this.database.query<{
      attempt_id: string;
      user_id: string;
      saved_at: Date;
    }>(attemptsSql.saveAnswers, [
      rows.map((row) => row.attemptId),
      rows.map((row) => row.userId),
      rows.map((row) => row.questionId),
      rows.map((row) => row.response),
    ]);
    const savedAt = new Map(saved.map((row) => [`${row.attempt_id}:${row.user_id}`, row.saved_at]));
    return batch.map((autosave) => savedAt.get(`${autosave.attemptId}:${autosave.userId}`) ?? null);
  }

  async byId(attemptId: number, executor: Db = this.database.db, lock = false): Promise<AttemptRow | null> {
    const query = executor.select().from(attempts).where(eq(attempts.id, attemptId));
    const [row] = lock ? await query.for('update') : await query;
    return row ?? null;
  }

  async inProgress(lessonId: number, userId: number): Promise<AttemptRow | null> {
    const [row] = await this.database.db
      .select()
      .from(attempts)
      .where(
        and(eq(attempts.lessonId, lessonId), eq(attempts.userId, userId), eq(attempts.status, 'in_progress')),
      );
    return row ?? null;
  }

  ofLearner(lessonId: number, userId: number, executor: Db = this.database.db): Promise<AttemptRow[]> {
    return executor
      .select()
      .from(attempts)
      .where(and(eq(attempts.lessonId, lessonId), eq(attempts.userId, userId)))
      .orderBy(asc(attempts.number));
  }

  async answersOf(attemptId: number, executor: Db = this.database.db): Promise<SavedAnswer[]> {
    const rows = await executor
      .select()
      .from(answers)
      .where(eq(answers.attemptId, attemptId))
      .orderBy(asc(answers.questionId));
    return rows.map((row) => ({
      questionId: row.questionId,
      response: (row.response as AnswerResponse | null) ?? null,
      points: row.points,
      comment: row.comment,
    }));
  }

  /** Points for every question of a closed attempt (a row is made for each unanswered one). */
  async writePoints(tx: Db, attemptId: number, graded: readonly GradedPoints[]): Promise<void> {
    if (graded.length === 0) return;
    await tx
      .insert(answers)
      .values(graded.map((each) => ({ attemptId, questionId: each.questionId, points: each.points })))
      .onConflictDoUpdate({
        target: [answers.attemptId, answers.questionId],
        set: { points: sql`excluded.points` },
      });
  }

  async gradeByHand(tx: Db, attemptId: number, questionId: number, points: number, comment: string | null) {
    await tx
      .insert(answers)
      .values({ attemptId, questionId, points, comment })
      .onConflictDoUpdate({ target: [answers.attemptId, answers.questionId], set: { points, comment } });
  }

  async close(
    tx: Db,
    attemptId: number,
    result: {
      status: AttemptStatus;
      score: number;
      maxScore: number;
      percent: number;
      passed: boolean;
      closedByServer?: boolean;
    },
  ): Promise<void> {
    await tx
      .update(attempts)
      .set({
        status: result.status,
        score: result.score,
        maxScore: result.maxScore,
        percent: result.percent,
        passed: result.passed,
        ...(result.closedByServer === undefined
          ? {}
          : {
              closedByServer: result.closedByServer,
              submittedAt: sql`coalesce(${attempts.submittedAt}, now())`,
            }),
      })
      .where(eq(attempts.id, attemptId));
  }

  /** A lesson completion owed to progress; a second pass of the same learner adds nothing. */
  async oweCompletion(tx: Db, lessonId: number, userId: number): Promise<void> {
    await tx.insert(completionOutbox).values({ lessonId, userId }).onConflictDoNothing();
  }

  /** Attempts past their deadline and grace that are still open, the longest overdue first. */
  async overdue(limit: number): Promise<number[]> {
    const { rows } = await this.database.query<{ id: string }>(
      `select id from assessments.attempts
       where status = 'in_progress' and close_at < now()
       order by close_at limit $1`,
      [limit],
    );
    return rows.map((row) => Number(row.id));
  }

  async queue(
    lessonId: number,
    status: AttemptStatus | undefined,
    page: { limit: number; offset: number },
  ): Promise<{ items: AttemptRow[]; total: number }> {
    const where = and(eq(attempts.lessonId, lessonId), status ? eq(attempts.status, status) : undefined);
    const [items, totals] = await Promise.all([
      this.database.db
        .select()
        .from(attempts)
        .where(where)
        .orderBy(status === 'needs_grading' ? asc(attempts.submittedAt) : desc(attempts.id))
        .limit(page.limit)
        .offset(page.offset),
      this.database.db.select({ total: count() }).from(attempts).where(where),
    ]);
    return { items, total: totals[0]?.total ?? 0 };
  }

  /**
   * Claims completions due for delivery: their next try moves `leaseMs` ahead, so another replica's relay (or
   * the next run) leaves them alone while they are sent, and takes them again if this process dies meanwhile.
   */
  async claimDueCompletions(limit: number, leaseMs: number): Promise<DueCompletion[]> {
    const { rows } = await this.database.query<{ lesson_id: string; user_id: string; tries: number }>(
      `update assessments.completion_outbox as owed
       set next_try_at = now() + make_interval(secs => $2::float8)
       from (select lesson_id, user_id from assessments.completion_outbox
             where delivered_at is null and failed_at is null and next_try_at <= now()
             order by next_try_at limit $1 for update skip locked) as due
       where owed.lesson_id = due.lesson_id and owed.user_id = due.user_id
       returning owed.lesson_id, owed.user_id, owed.tries`,
      [limit, leaseMs / 1000],
    );
    return rows.map((row) => ({
      lessonId: Number(row.lesson_id),
      userId: Number(row.user_id),
      tries: row.tries,
    }));
  }

  async completionDelivered(due: DueCompletion): Promise<void> {
    await this.database.db
      .update(completionOutbox)
      .set({ deliveredAt: sql`now()`, tries: due.tries + 1, lastError: null })
      .where(and(eq(completionOutbox.lessonId, due.lessonId), eq(completionOutbox.userId, due.userId)));
  }

  async completionFailed(due: DueCompletion, error: string, retryInMs: number | null): Promise<void> {
    await this.database.db
      .update(completionOutbox)
      .set({
        tries: due.tries + 1,
        lastError: error,
        ...(retryInMs === null
          ? { failedAt: sql`now()` }
          : { nextTryAt: sql`now() + make_interval(secs => ${retryInMs / 1000})` }),
      })
      .where(and(eq(completionOutbox.lessonId, due.lessonId), eq(completionOutbox.userId, due.userId)));
  }
}
