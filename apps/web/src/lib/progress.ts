import type { CourseProgress, LessonSummary } from '../api/api.types';
import { ApiError } from '../api/http';
import { getCourseProgress, listMyCourseProgress } from '../api/progress.api';

/** The caller's progress in a course; an untouched course (404 from the server) counts as zero. */
export async function loadProgress(courseId: number, signal: AbortSignal): Promise<CourseProgress | null> {
  try {
    return await getCourseProgress(courseId, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** Progress after marking `lessonId` complete or not, computed locally so the page updates at once. */
export function withLessonCompletion(
  progress: CourseProgress | null,
  courseId: number,
  lessons: readonly LessonSummary[],
  lessonId: number,
  completed: boolean,
): CourseProgress {
  const ids = new Set(progress?.completed_lesson_ids ?? []);
  if (completed) ids.add(lessonId);
  else ids.delete(lessonId);
  const total = lessons.length;
  const done = lessons.filter((lesson) => ids.has(lesson.id)).length;
  const next = lessons.find((lesson) => !ids.has(lesson.id));
  const now = new Date().toISOString();
  return {
    course_id: courseId,
    completed_lessons: done,
    total_lessons: total,
    percent: total === 0 ? 0 : Math.round((done / total) * 100),
    next_lesson_id: next?.id ?? null,
    last_completed_at: completed ? now : (progress?.last_completed_at ?? null),
    completed_at: total > 0 && done === total ? (progress?.completed_at ?? now) : null,
    completed_lesson_ids: [...ids],
  };
}

/** Where "continue" leads: the next unfinished lesson, else the first one. */
export function continueLessonId(
  progress: CourseProgress | null,
  lessons: readonly LessonSummary[],
): number | null {
  const completed = new Set(progress?.completed_lesson_ids ?? []);
  const next = progress?.next_lesson_id ?? lessons.find((lesson) => !completed.has(lesson.id))?.id;
  return next ?? lessons[0]?.id ?? null;
}

/** Whether the caller holds a seat in the course: `my/courses` lists exactly the enrolled courses. */
export async function isEnrolled(courseId: number, signal: AbortSignal): Promise<boolean> {
  const courses = await listMyCourseProgress(signal);
  return courses.some((summary) => summary.course_id === courseId);
}
