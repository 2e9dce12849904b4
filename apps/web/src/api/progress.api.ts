import type { Completion, CourseProgress, Page } from './api.types';
import { requestJson, requestPage, requestVoid, withQuery } from './http';

export async function completeLesson(lessonId: number): Promise<void> {
  await requestJson<{ ok: boolean; lesson_id: number }>(`/api/progress/${lessonId}/complete`, {
    method: 'POST',
    auth: 'required',
  });
}

export function uncompleteLesson(lessonId: number): Promise<void> {
  return requestVoid(`/api/progress/${lessonId}/complete`, { method: 'DELETE', auth: 'required' });
}

export function getCourseProgress(courseId: number, signal?: AbortSignal): Promise<CourseProgress> {
  return requestJson<CourseProgress>(`/api/progress/courses/${courseId}`, { auth: 'required', signal });
}

export function listMyCourseProgress(signal?: AbortSignal): Promise<CourseProgress[]> {
  return requestJson<CourseProgress[]>('/api/progress/my/courses', { auth: 'required', signal });
}

export function listMyCompletions(
  limit: number,
  offset: number,
  signal?: AbortSignal,
): Promise<Page<Completion>> {
  return requestPage<Completion>(withQuery('/api/progress/my', { limit, offset }), {
    auth: 'required',
    signal,
  });
}
