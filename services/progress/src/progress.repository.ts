import { and, eq, max, sql } from 'drizzle-orm';
import { freshness, type Database, type JobExecutor, type ReadOptions } from '@lectern/kit';
import { courseProgress, courseSeats, courseStats, enrollments, lessonStats, progress } from './db/schema.js';

export interface Completion {
  userId: number;
  lessonId: number;
  courseId: number;
  /** The course's lesson count now: reaching it makes the course a candidate for a certificate. */
  totalLessons: number;
  /**
   * The course is open to anyone now, without a seat limit: the completion's own transaction enrols the learner
   * (if they are not yet) and counts the seat, instead of a seat batch and a probe before it.
   */
  enrol: boolean;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface CompletedLesson {
  lessonId: number;
  completedAt: Date;
}

/**
 * The statements behind each read and write, exported so tests can EXPLAIN exactly what runs. Pages and
 * summaries read about as many rows as they return; none walks a user's completion history.
 */
export const progressSql = {
  /**
   * Group commit: one statement, hence one transaction, records a batch of completions, enrols the learners of
   * freely open courses who are not enrolled yet (and counts their seats), bumps the per-course rows and the
   * analytics counters for the completions that are new, and notes each course whose completed count has
   * reached its lesson count as a certificate check. Inputs arrive sorted by (user_id, lesson_id) so concurrent batches lock rows
   * in the same order and cannot deadlock; a repeat keeps its original completed_at.
   */
  insertCompletions: `
    with input as (
      select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::integer[], $5::boolean[])
        as input (user_id, lesson_id, course_id, total_lessons, enrol)
    ),
    enrolled as (
      insert into progress.enrollments (course_id, user_id, enrolled_at)
      select distinct course_id, user_id, now() from input where enrol
      order by course_id, user_id
      on conflict do nothing
      returning course_id
    ),
    seated as (
      insert into progress.course_seats as seats (course_id, taken)
      select course_id, count(*) from enrolled group by course_id order by course_id
      on conflict (course_id) do update set taken = seats.taken + excluded.taken
    ),
    inserted as (
      insert into progress.progress (user_id, lesson_id, course_id, completed_at)
      select user_id, lesson_id, course_id, now() from input
      on conflict (user_id, lesson_id) do nothing
      returning user_id, lesson_id, course_id, completed_at
    ),
    courses as (
      insert into progress.course_progress as existing
        (user_id, course_id, started_at, last_completed_at, completed_count)
      select user_id, course_id, min(completed_at), max(completed_at), count(*)
      from inserted
      group by user_id, course_id
      order by user_id, course_id
      on conflict (user_id, course_id) do update set
        last_completed_at = greatest(existing.last_completed_at, excluded.last_completed_at),
        completed_count = existing.completed_count + excluded.completed_count
      returning user_id, course_id, completed_count, (xmax = 0) as first
    ),
    lessons as (
      insert into progress.lesson_stats as stats (lesson_id, course_id, completed)
      select lesson_id, min(course_id), count(*) from inserted group by lesson_id order by lesson_id
      on conflict (lesson_id) do update set completed = stats.completed + excluded.completed
    ),
    started as (
      insert into progress.course_stats as stats (course_id, started, completed)
      select course_id, count(*), 0 from courses where first group by course_id order by course_id
      on conflict (course_id) do update set started = stats.started + excluded.started
    )
    insert into progress.certificate_checks (user_id, course_id)
    select courses.user_id, courses.course_id
    from courses
    join (select distinct user_id, course_id, total_lessons from input) as totals
      on totals.user_id = courses.user_id and totals.course_id = courses.course_id
    where totals.total_lessons > 0 and courses.completed_count >= totals.total_lessons
    on conflict do nothing`,

  /**
   * A course summary: one primary-key probe per lesson of the course, whatever the user's history. Written as a
   * join so that each probe matches (user_id, lesson_id) exactly: with `lesson_id = any(...)` the planner may
   * instead walk the user's whole (user_id, completed_at, lesson_id) index, or every completion of the lessons.
   */
  completionsOfLessons: `
    select progress.lesson_id, progress.completed_at
    from unnest($2::bigint[]) as wanted (lesson_id)
    join progress.progress on progress.user_id = $1 and progress.lesson_id = wanted.lesson_id`,

  completionsPage: `
    select lesson_id, completed_at
    from progress.progress
    where user_id = $1
    order by completed_at desc, lesson_id desc
    limit $2 offset $3`,

  completionsTotal: `
    select coalesce(sum(completed_count), 0) as total
    from progress.course_progress
    where user_id = $1`,

  /** Which of these (course, user) pairs are enrolled: one primary-key probe each, in one statement. */
  enrolledAmong: `
    select e.course_id, e.user_id
    from unnest($1::bigint[], $2::bigint[]) as wanted (course_id, user_id)
    join progress.enrollments e on e.course_id = wanted.course_id and e.user_id = wanted.user_id`,

  /** Which of these (user, lesson) pairs are completed: one primary-key probe each, in one statement. */
  completedAmong: `
    select p.user_id, p.lesson_id
    from unnest($1::bigint[], $2::bigint[]) as wanted (user_id, lesson_id)
    join progress.progress p on p.user_id = wanted.user_id and p.lesson_id = wanted.lesson_id`,

  /** A batch of seat requests: see `enrollBatch`. */
  takeSeats: `
    select seat_course_id, seat_user_id, seat_enrolled_at, seat_fresh
    from progress.take_seats($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[])`,

  enrollment: `
    select enrolled_at from progress.enrollments where course_id = $1 and user_id = $2`,

  /** The seat counter enrolment keeps: one primary-key probe, however many learners. */
  seatsTaken: `
    select taken from progress.course_seats where course_id = $1`,

  /** Newest enrolment first, read in index order: a page costs a page of rows however many courses. */
  enrolledCoursesPage: `
    select course_id
    from progress.enrollments
    where user_id = $1
    order by enrolled_at desc, course_id desc
    limit $2 offset $3`,

  enrolledCoursesTotal: `
    select count(*) as total from progress.enrollments where user_id = $1`,

  rosterPage: `
    select e.user_id, e.enrolled_at, cp.last_completed_at
    from progress.enrollments e
    left join progress.course_progress cp on cp.user_id = e.user_id and cp.course_id = e.course_id
    where e.course_id = $1
    order by e.enrolled_at, e.user_id
    limit $2 offset $3`,

  rosterTotal: `
    select count(*) as total from progress.enrollments where course_id = $1`,

  /** Per learner of a roster page: how many of the course's current lessons they completed. */
  completedCounts: `
    select progress.user_id, count(*) as completed
    from unnest($1::bigint[]) as learner (user_id)
    join progress.progress on progress.user_id = learner.user_id
    where progress.lesson_id = any($2::bigint[])
    group by progress.user_id`,
} as const;

/** The learners of one course asking for a seat in a batch, and the course's capacity (null: unlimited). */
export interface SeatGroup {
  courseId: number;
  userIds: readonly number[];
  capacity: number | null;
}

/** Enrolments read for a batch of checks. */
export interface EnrolledPairs {
  has(userId: number, courseId: number): boolean;
}

export interface CompletedPairs {
  has(userId: number, lessonId: number): boolean;
}

export interface EnrollmentResult {
  enrolledAt: Date;
  /** true: enrolled by this request; false: was enrolled already. */
  fresh: boolean;
}

export interface RosterRow {
  userId: number;
  enrolledAt: Date;
  lastCompletedAt: Date | null;
}

/** SQLSTATE deadlock_detected, and how many times a completion batch is written before it gives up. */
const DEADLOCK = '40P01';
const DEADLOCK_ATTEMPTS = 3;

interface SeatRow {
  seat_course_id: string | number;
  seat_user_id: string | number;
  seat_enrolled_at: Date | string;
  seat_fresh: boolean;
}

interface CompletionRow {
  lesson_id: string | number;
  completed_at: Date;
}

function toCompletedLesson(row: CompletionRow): CompletedLesson {
  return { lessonId: Number(row.lesson_id), completedAt: row.completed_at };
}

/** A user's own progress may come from the replica, except within the window after that user wrote. */
function usersRead(userId: number): ReadOptions {
  return { mayLag: true, freshFor: [freshness.user(userId)] };
}

export class ProgressRepository {
  constructor(private readonly database: Database) {}

  /**
   * Records completions that are not recorded yet; resolves once the transaction has committed, and answers how
   * many certificate checks it noted (courses that may now be complete). A learner's own enrolment in a course
   * (a seat batch, which locks the seat row before the enrolment) and their first completion there (which enrols
   * before it counts the seat) can each wait for the other: PostgreSQL then ends one of them as a deadlock, and
   * this batch, having changed nothing, is written again.
   */
  async insertCompletions(completions: readonly Completion[]): Promise<number> {
    const sorted = [...completions].sort((a, b) => a.userId - b.userId || a.lessonId - b.lessonId);
    const values = [
      sorted.map((completion) => completion.userId),
      sorted.map((completion) => completion.lessonId),
      sorted.map((completion) => completion.courseId),
      sorted.map((completion) => completion.totalLessons),
      sorted.map((completion) => completion.enrol),
    ];
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { rowCount } = await this.database.query(progressSql.insertCompletions, values);
        return rowCount;
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || (error as { code?: unknown } | null)?.code !== DEADLOCK)
          throw error;
      }
    }
  }

  /**
   * Takes up to `limit` pending certificate checks inside the caller's transaction: they are gone when it
   * commits and back when it rolls back; other replicas skip the ones taken.
   */
  async takeCertificateChecks(
    executor: JobExecutor,
    limit: number,
  ): Promise<{ userId: number; courseId: number }[]> {
    const result: unknown = await executor.execute(sql`
      delete from progress.certificate_checks
      where (user_id, course_id) in (
        select user_id, course_id from progress.certificate_checks
        order by created_at limit ${limit} for update skip locked)
      returning user_id, course_id`);
    const { rows } = result as { rows: { user_id: string | number; course_id: string | number }[] };
    return rows.map((row) => ({ userId: Number(row.user_id), courseId: Number(row.course_id) }));
  }

  /** Forgets one completion and keeps the user's row for its course in step; false when there was none. */
  async deleteCompletion(userId: number, lessonId: number): Promise<boolean> {
    return this.database.db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(progress)
        .where(and(eq(progress.userId, userId), eq(progress.lessonId, lessonId)))
        .returning({ courseId: progress.courseId });
      if (!removed) return false;
      await tx
        .update(lessonStats)
        .set({ completed: sql`greatest(${lessonStats.completed} - 1, 0)` })
        .where(eq(lessonStats.lessonId, lessonId));
      const ofCourse = and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, removed.courseId));
      // Taking the row lock first means the next statement's snapshot sees every completion committed before it.
      const [counted] = await tx
        .update(courseProgress)
        .set({ completedCount: sql`${courseProgress.completedCount} - 1` })
        .where(ofCourse)
        .returning({ completedCount: courseProgress.completedCount });
      if (!counted) return true;
      if (counted.completedCount <= 0) {
        await tx.delete(courseProgress).where(ofCourse);
        await tx
          .update(courseStats)
          .set({ started: sql`greatest(${courseStats.started} - 1, 0)` })
          .where(eq(courseStats.courseId, removed.courseId));
        return true;
      }
      const latest = tx
        .select({ completedAt: max(progress.completedAt) })
        .from(progress)
        .where(and(eq(progress.userId, userId), eq(progress.courseId, removed.courseId)));
      await tx
        .update(courseProgress)
        .set({ lastCompletedAt: sql`(${latest})` })
        .where(ofCourse);
      return true;
    });
  }

  async completionsOfLessons(userId: number, lessonIds: readonly number[]): Promise<CompletedLesson[]> {
    if (lessonIds.length === 0) return [];
    const { rows } = await this.database.query<CompletionRow>(
      progressSql.completionsOfLessons,
      [userId, lessonIds],
      usersRead(userId),
    );
    return rows.map(toCompletedLesson);
  }

  async completionsPage(userId: number, page: Page): Promise<{ items: CompletedLesson[]; total: number }> {
    const [items, totals] = await Promise.all([
      this.database.query<CompletionRow>(
        progressSql.completionsPage,
        [userId, page.limit, page.offset],
        usersRead(userId),
      ),
      this.database.query<{ total: string | number }>(
        progressSql.completionsTotal,
        [userId],
        usersRead(userId),
      ),
    ]);
    return { items: items.rows.map(toCompletedLesson), total: Number(totals.rows[0]?.total ?? 0) };
  }

  async enrollment(userId: number, courseId: number): Promise<Date | null> {
    const { rows } = await this.database.query<{ enrolled_at: Date }>(progressSql.enrollment, [
      courseId,
      userId,
    ]);
    return rows[0]?.enrolled_at ?? null;
  }

  async enrolledAmong(pairs: readonly { userId: number; courseId: number }[]): Promise<EnrolledPairs> {
    const keys = new Set<string>();
    if (pairs.length > 0) {
      const { rows } = await this.database.query<{ course_id: string | number; user_id: string | number }>(
        progressSql.enrolledAmong,
        [pairs.map((pair) => pair.courseId), pairs.map((pair) => pair.userId)],
      );
      for (const row of rows) keys.add(`${Number(row.course_id)}:${Number(row.user_id)}`);
    }
    return { has: (userId, courseId) => keys.has(`${courseId}:${userId}`) };
  }

  /**
   * Which of these (user, lesson) pairs are completed, for a batch of checks in sequential courses. Like a single
   * learner's read, it may come from the replica unless one of the learners wrote within the window.
   */
  async completedAmong(pairs: readonly { userId: number; lessonId: number }[]): Promise<CompletedPairs> {
    const keys = new Set<string>();
    if (pairs.length > 0) {
      const users = [...new Set(pairs.map((pair) => pair.userId))];
      const { rows } = await this.database.query<{ user_id: string | number; lesson_id: string | number }>(
        progressSql.completedAmong,
        [pairs.map((pair) => pair.userId), pairs.map((pair) => pair.lessonId)],
        { mayLag: true, freshFor: users.map((userId) => freshness.user(userId)) },
      );
      for (const row of rows) keys.add(`${Number(row.user_id)}:${Number(row.lesson_id)}`);
    }
    return { has: (userId, lessonId) => keys.has(`${userId}:${lessonId}`) };
  }

  async seatsTaken(courseId: number): Promise<number> {
    const { rows } = await this.database.query<{ taken: number }>(progressSql.seatsTaken, [courseId]);
    return rows[0]?.taken ?? 0;
  }

  /**
   * Enrols learners while seats last, per course in arrival order, in one statement for the whole batch
   * (`progress.take_seats`, migration 0004): it takes each course's seat row in course id order, so batches on
   * several replicas cannot deadlock, and holds the rows only while the database works, never across a round
   * trip to this process. Per course, the learners absent from the answer found it full.
   */
  async enrollBatch(groups: readonly SeatGroup[]): Promise<Map<number, Map<number, EnrollmentResult>>> {
    const requests = groups.flatMap(({ courseId, userIds }) =>
      userIds.map((userId) => ({ courseId, userId })),
    );
    const { rows } = await this.database.query<SeatRow>(progressSql.takeSeats, [
      groups.map((group) => group.courseId),
      groups.map((group) => group.capacity),
      requests.map((request) => request.courseId),
      requests.map((request) => request.userId),
    ]);
    const answers = new Map<number, Map<number, EnrollmentResult>>(
      groups.map((group) => [group.courseId, new Map()]),
    );
    for (const row of rows) {
      answers.get(Number(row.seat_course_id))?.set(Number(row.seat_user_id), {
        enrolledAt: new Date(row.seat_enrolled_at),
        fresh: row.seat_fresh,
      });
    }
    return answers;
  }

  /** Leaves a course and frees the seat; false when the learner was not enrolled. */
  async unenroll(userId: number, courseId: number): Promise<boolean> {
    return this.database.db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(enrollments)
        .where(and(eq(enrollments.courseId, courseId), eq(enrollments.userId, userId)))
        .returning({ courseId: enrollments.courseId });
      if (!removed) return false;
      await tx
        .update(courseSeats)
        .set({ taken: sql`greatest(${courseSeats.taken} - 1, 0)` })
        .where(eq(courseSeats.courseId, courseId));
      return true;
    });
  }

  /** The courses a user is enrolled in, newest enrolment first. */
  async enrolledCoursesPage(userId: number, page: Page): Promise<{ courseIds: number[]; total: number }> {
    const [items, totals] = await Promise.all([
      this.database.query<{ course_id: string | number }>(
        progressSql.enrolledCoursesPage,
        [userId, page.limit, page.offset],
        usersRead(userId),
      ),
      this.database.query<{ total: string | number }>(
        progressSql.enrolledCoursesTotal,
        [userId],
        usersRead(userId),
      ),
    ]);
    return {
      courseIds: items.rows.map((row) => Number(row.course_id)),
      total: Number(totals.rows[0]?.total ?? 0),
    };
  }

  async rosterPage(courseId: number, page: Page): Promise<{ rows: RosterRow[]; total: number }> {
    const [items, totals] = await Promise.all([
      this.database.query<{ user_id: string | number; enrolled_at: Date; last_completed_at: Date | null }>(
        progressSql.rosterPage,
        [courseId, page.limit, page.offset],
      ),
      this.database.query<{ total: string | number }>(progressSql.rosterTotal, [courseId]),
    ]);
    return {
      rows: items.rows.map((row) => ({
        userId: Number(row.user_id),
        enrolledAt: row.enrolled_at,
        lastCompletedAt: row.last_completed_at,
      })),
      total: Number(totals.rows[0]?.total ?? 0),
    };
  }

  async completedCounts(
    userIds: readonly number[],
    lessonIds: readonly number[],
  ): Promise<Map<number, number>> {
    if (userIds.length === 0 || lessonIds.length === 0) return new Map();
    const { rows } = await this.database.query<{ user_id: string | number; completed: string | number }>(
      progressSql.completedCounts,
      [userIds, lessonIds],
    );
    return new Map(rows.map((row) => [Number(row.user_id), Number(row.completed)]));
  }
}
