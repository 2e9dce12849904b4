import { and, eq, max, sql } from 'drizzle-orm';
import type { Database } from '@lectern/kit';
import { courseProgress, progress } from './db/schema.js';

export interface Completion {
  userId: number;
  lessonId: number;
  courseId: number;
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
   * Group commit: one statement, hence one transaction, records a batch of completions and bumps the per-course
   * rows for the ones that are new. Inputs arrive sorted by (user_id, lesson_id) so concurrent batches lock rows
   * in the same order and cannot deadlock; a repeat keeps its original completed_at.
   */
  insertCompletions: `
    with inserted as (
      insert into progress.progress (user_id, lesson_id, course_id, completed_at)
      select input.user_id, input.lesson_id, input.course_id, now()
      from unnest($1::bigint[], $2::bigint[], $3::bigint[]) as input (user_id, lesson_id, course_id)
      on conflict (user_id, lesson_id) do nothing
      returning user_id, course_id, completed_at
    )
    insert into progress.course_progress as existing
      (user_id, course_id, started_at, last_completed_at, completed_count)
    select user_id, course_id, min(completed_at), max(completed_at), count(*)
    from inserted
    group by user_id, course_id
    order by user_id, course_id
    on conflict (user_id, course_id) do update set
      last_completed_at = greatest(existing.last_completed_at, excluded.last_completed_at),
      completed_count = existing.completed_count + excluded.completed_count`,

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

  startedCoursesPage: `
    select course_id
    from progress.course_progress
    where user_id = $1
    order by last_completed_at desc, course_id desc
    limit $2 offset $3`,

  startedCoursesTotal: `
    select count(*) as total
    from progress.course_progress
    where user_id = $1`,
} as const;

interface CompletionRow {
  lesson_id: string | number;
  completed_at: Date;
}

function toCompletedLesson(row: CompletionRow): CompletedLesson {
  return { lessonId: Number(row.lesson_id), completedAt: row.completed_at };
}

export class ProgressRepository {
  constructor(private readonly database: Database) {}

  /** Records completions that are not recorded yet; resolves once the transaction has committed. */
  async insertCompletions(completions: readonly Completion[]): Promise<void> {
    const sorted = [...completions].sort((a, b) => a.userId - b.userId || a.lessonId - b.lessonId);
    await this.database.query(progressSql.insertCompletions, [
      sorted.map((completion) => completion.userId),
      sorted.map((completion) => completion.lessonId),
      sorted.map((completion) => completion.courseId),
    ]);
  }

  /** Forgets one completion and keeps the user's row for its course in step; false when there was none. */
  async deleteCompletion(userId: number, lessonId: number): Promise<boolean> {
    return this.database.db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(progress)
        .where(and(eq(progress.userId, userId), eq(progress.lessonId, lessonId)))
        .returning({ courseId: progress.courseId });
      if (!removed) return false;
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
    const { rows } = await this.database.query<CompletionRow>(progressSql.completionsOfLessons, [
      userId,
      lessonIds,
    ]);
    return rows.map(toCompletedLesson);
  }

  async completionsPage(userId: number, page: Page): Promise<{ items: CompletedLesson[]; total: number }> {
    const [items, totals] = await Promise.all([
      this.database.query<CompletionRow>(progressSql.completionsPage, [userId, page.limit, page.offset]),
      this.database.query<{ total: string | number }>(progressSql.completionsTotal, [userId]),
    ]);
    return { items: items.rows.map(toCompletedLesson), total: Number(totals.rows[0]?.total ?? 0) };
  }

  /** The courses a user has completed anything in, most recently active first. */
  async startedCoursesPage(userId: number, page: Page): Promise<{ courseIds: number[]; total: number }> {
    const [items, totals] = await Promise.all([
      this.database.query<{ course_id: string | number }>(progressSql.startedCoursesPage, [
        userId,
        page.limit,
        page.offset,
      ]),
      this.database.query<{ total: string | number }>(progressSql.startedCoursesTotal, [userId]),
    ]);
    return {
      courseIds: items.rows.map((row) => Number(row.course_id)),
      total: Number(totals.rows[0]?.total ?? 0),
    };
  }
}
