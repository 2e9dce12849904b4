import type { Database } from '@lectern/kit';

export interface CourseCounters {
  enrolled: number;
  started: number;
  completed: number;
  /** Learners by whole days from enrolment to completion: the median comes from here, not from the learners. */
  completionDays: { days: number; learners: number }[];
  /** Learners who completed each lesson, for the lessons asked for (0 when none did). */
  lessons: { lessonId: number; completed: number }[];
}

/**
 * The statements behind a course's analytics, exported so tests can EXPLAIN them. Each reads counters that the
 * completion, enrolment and certificate writes keep: one row per course, one per lesson, one per distinct number
 * of days; never the completions themselves.
 */
export const analyticsSql = {
  totals: `
    select
      coalesce((select taken from progress.course_seats where course_id = $1), 0) as enrolled,
      coalesce((select started from progress.course_stats where course_id = $1), 0) as started,
      coalesce((select completed from progress.course_stats where course_id = $1), 0) as completed`,

  completionDays: `
    select days, learners from progress.course_completion_days where course_id = $1 order by days`,

  lessons: `
    select wanted.lesson_id, coalesce(stats.completed, 0) as completed
    from unnest($1::bigint[]) with ordinality as wanted (lesson_id, position)
    left join progress.lesson_stats stats on stats.lesson_id = wanted.lesson_id
    order by wanted.position`,
} as const;

export class AnalyticsRepository {
  constructor(private readonly database: Database) {}

  async counters(courseId: number, lessonIds: readonly number[]): Promise<CourseCounters> {
    const [totals, days, lessons] = await Promise.all([
      this.database.query<{
        enrolled: string | number;
        started: string | number;
        completed: string | number;
      }>(analyticsSql.totals, [courseId]),
      this.database.query<{ days: number; learners: string | number }>(analyticsSql.completionDays, [
        courseId,
      ]),
      this.database.query<{ lesson_id: string | number; completed: string | number }>(analyticsSql.lessons, [
        lessonIds,
      ]),
    ]);
    const row = totals.rows[0];
    return {
      enrolled: Number(row?.enrolled ?? 0),
      started: Number(row?.started ?? 0),
      completed: Number(row?.completed ?? 0),
      completionDays: days.rows.map((item) => ({ days: item.days, learners: Number(item.learners) })),
      lessons: lessons.rows.map((item) => ({
        lessonId: Number(item.lesson_id),
        completed: Number(item.completed),
      })),
    };
  }
}
