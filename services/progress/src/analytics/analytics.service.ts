import type { AuthUser } from '@lectern/kit';
import type { CourseOutline } from '../courses.client.js';
import type { AnalyticsRepository, CourseCounters } from './analytics.repository.js';

export interface CourseAnalyticsView {
  enrolled: number;
  started: number;
  completed: number;
  /** Completed learners per 100 enrolled. */
  completion_rate: number;
  median_days_to_complete: number | null;
  lessons: { lesson_id: number; completed: number; reached_percent: number }[];
}

function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.min(100, Math.round((part * 1000) / whole) / 10);
}

/** The median of a histogram of whole days; the mean of the two middle values when the count is even. */
export function medianDays(histogram: CourseCounters['completionDays']): number | null {
  const total = histogram.reduce((sum, bucket) => sum + bucket.learners, 0);
  if (total === 0) return null;
  const at = (rank: number): number => {
    let seen = 0;
    for (const bucket of histogram) {
      seen += bucket.learners;
      if (seen > rank) return bucket.days;
    }
    return histogram[histogram.length - 1]?.days ?? 0;
  };
  return total % 2 === 1 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2;
}

/** A course's funnel from its counters: O(lessons) to read, whatever the number of completions. */
export function courseAnalytics(counters: CourseCounters): CourseAnalyticsView {
  return {
    enrolled: counters.enrolled,
    started: counters.started,
    completed: counters.completed,
    completion_rate: percentOf(counters.completed, counters.enrolled),
    median_days_to_complete: medianDays(counters.completionDays),
    lessons: counters.lessons.map((lesson) => ({
      lesson_id: lesson.lessonId,
      completed: lesson.completed,
      reached_percent: percentOf(lesson.completed, counters.enrolled),
    })),
  };
}

/** The outline of a course the user may analyse (its owner, or an admin), or the right 403/404. */
export type OwnedOutline = (user: AuthUser, courseId: number) => Promise<CourseOutline>;

export class AnalyticsService {
  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly ownedOutline: OwnedOutline,
  ) {}

  /** The funnel follows the course's current lessons in course order. */
  async forCourse(user: AuthUser, courseId: number): Promise<CourseAnalyticsView> {
    const outline = await this.ownedOutline(user, courseId);
    return courseAnalytics(await this.repository.counters(courseId, outline.lesson_ids));
  }
}
