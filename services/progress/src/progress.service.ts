import type { AuthUser } from '@lectern/kit';
import type { CompletionBatcher } from './completions.batcher.js';
import type { CourseOutline, CoursesClient, LessonRef } from './courses.client.js';
import { progressErrors } from './progress.errors.js';
import type { CompletedLesson, Page, ProgressRepository } from './progress.repository.js';

export interface CompletionView {
  lesson_id: number;
  completed_at: string;
}

export interface CourseSummary {
  course_id: number;
  completed_lessons: number;
  total_lessons: number;
  percent: number;
  next_lesson_id: number | null;
  last_completed_at: string | null;
  completed_at: string | null;
  completed_lesson_ids: number[];
}

/** Published courses are everyone's; a draft is seen by its owner and admins only. */
function canSee(user: AuthUser, outline: CourseOutline): boolean {
  return outline.published || outline.owner_id === user.id || user.role === 'admin';
}

/**
 * A summary against the course's current outline: completions of lessons no longer in it do not count, and
 * the course is complete when every current lesson is, at the time the last of them was completed.
 */
export function summarize(outline: CourseOutline, completions: ReadonlyMap<number, Date>): CourseSummary {
  const completedLessonIds: number[] = [];
  let nextLessonId: number | null = null;
  let lastCompletedAt: Date | null = null;
  for (const lessonId of outline.lesson_ids) {
    const completedAt = completions.get(lessonId);
    if (completedAt === undefined) {
      nextLessonId ??= lessonId;
      continue;
    }
    completedLessonIds.push(lessonId);
    if (lastCompletedAt === null || completedAt > lastCompletedAt) lastCompletedAt = completedAt;
  }
  const total = outline.lesson_ids.length;
  const completed = completedLessonIds.length;
  const done = total > 0 && completed === total;
  return {
    course_id: outline.course_id,
    completed_lessons: completed,
    total_lessons: total,
    percent: total === 0 ? 0 : Math.floor((completed * 100) / total),
    next_lesson_id: nextLessonId,
    last_completed_at: lastCompletedAt?.toISOString() ?? null,
    completed_at: done && lastCompletedAt ? lastCompletedAt.toISOString() : null,
    completed_lesson_ids: completedLessonIds,
  };
}

function byLesson(completions: readonly CompletedLesson[]): Map<number, Date> {
  return new Map(completions.map((completion) => [completion.lessonId, completion.completedAt]));
}

export class ProgressService {
  constructor(
    private readonly repository: ProgressRepository,
    private readonly courses: CoursesClient,
    private readonly batcher: CompletionBatcher,
  ) {}

  async complete(user: AuthUser, lessonId: number): Promise<void> {
    const lesson = await this.visibleLesson(user, lessonId);
    await this.batcher.complete({ userId: user.id, lessonId, courseId: lesson.course_id });
  }

  /**
   * Un-completes a lesson. A recorded completion is removed without asking courses, so one of a lesson deleted
   * since can still go; otherwise the lesson must exist for the answer to be 204.
   */
  async uncomplete(user: AuthUser, lessonId: number): Promise<void> {
    if (await this.repository.deleteCompletion(user.id, lessonId)) return;
    await this.visibleLesson(user, lessonId);
  }

  async completions(user: AuthUser, page: Page): Promise<{ items: CompletionView[]; total: number }> {
    const { items, total } = await this.repository.completionsPage(user.id, page);
    return {
      items: items.map((item) => ({
        lesson_id: item.lessonId,
        completed_at: item.completedAt.toISOString(),
      })),
      total,
    };
  }

  async courseSummary(user: AuthUser, courseId: number): Promise<CourseSummary> {
    const outline = await this.courses.outline(courseId);
    if (!outline || !canSee(user, outline)) throw progressErrors.courseNotFound(courseId);
    const completions = await this.repository.completionsOfLessons(user.id, outline.lesson_ids);
    return summarize(outline, byLesson(completions));
  }

  /**
   * Summaries of the courses the user has started, most recently active first. Courses since deleted or hidden
   * are left out of the page; the total counts every started course.
   */
  async startedCourses(user: AuthUser, page: Page): Promise<{ items: CourseSummary[]; total: number }> {
    const { courseIds, total } = await this.repository.startedCoursesPage(user.id, page);
    const outlines = (await Promise.all(courseIds.map((courseId) => this.courses.outline(courseId)))).filter(
      (outline): outline is CourseOutline => outline !== null && canSee(user, outline),
    );
    const completions = byLesson(
      await this.repository.completionsOfLessons(
        user.id,
        outlines.flatMap((outline) => outline.lesson_ids),
      ),
    );
    return { items: outlines.map((outline) => summarize(outline, completions)), total };
  }

  private async visibleLesson(user: AuthUser, lessonId: number): Promise<LessonRef> {
    const lesson = await this.courses.lesson(lessonId);
    if (!lesson) throw progressErrors.lessonNotFound(lessonId);
    const outline = await this.courses.outline(lesson.course_id);
    if (!outline || !canSee(user, outline)) throw progressErrors.lessonNotFound(lessonId);
    return lesson;
  }
}
