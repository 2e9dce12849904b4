import type { AuthMode } from './http';
import type { Course, CourseDetail, Lesson, Page } from './api.types';
import { requestJson, requestPage, requestVoid, withQuery } from './http';

export interface CourseQuery {
  limit: number;
  offset: number;
  q?: string;
}

/** The public catalog: sent without a token so shared caches can answer it. */
export function listCourses(query: CourseQuery, signal?: AbortSignal): Promise<Page<Course>> {
  return requestPage<Course>(withQuery('/api/courses', { ...query }), { auth: 'none', signal });
}

/** The caller's own courses, drafts included. */
export function listMyCourses(query: CourseQuery, signal?: AbortSignal): Promise<Page<Course>> {
  return requestPage<Course>(withQuery('/api/courses', { ...query, owner: 'me' }), {
    auth: 'required',
    signal,
  });
}

/** `auth: 'none'` for readers (cacheable); `optional` lets owners and admins see drafts. */
export function getCourse(id: number, auth: AuthMode, signal?: AbortSignal): Promise<CourseDetail> {
  return requestJson<CourseDetail>(`/api/courses/${id}`, { auth, signal });
}

export function getLesson(
  courseId: number,
  lessonId: number,
  auth: AuthMode,
  signal?: AbortSignal,
): Promise<Lesson> {
  return requestJson<Lesson>(`/api/courses/${courseId}/lessons/${lessonId}`, { auth, signal });
}

export interface CourseInput {
  title: string;
  description: string;
  published: boolean;
}

export function createCourse(input: CourseInput): Promise<Course> {
  return requestJson<Course>('/api/courses', { method: 'POST', auth: 'required', body: input });
}

export function updateCourse(id: number, changes: Partial<CourseInput>): Promise<Course> {
  return requestJson<Course>(`/api/courses/${id}`, { method: 'PUT', auth: 'required', body: changes });
}

export function deleteCourse(id: number): Promise<void> {
  return requestVoid(`/api/courses/${id}`, { method: 'DELETE', auth: 'required' });
}

export interface LessonInput {
  title: string;
  content: string;
  /** 1-based position; omitted to append. */
  order?: number;
}

export function createLesson(courseId: number, input: LessonInput): Promise<Lesson> {
  return requestJson<Lesson>(`/api/courses/${courseId}/lessons`, {
    method: 'POST',
    auth: 'required',
    body: input,
  });
}

export function updateLesson(
  courseId: number,
  lessonId: number,
  changes: Partial<LessonInput>,
): Promise<Lesson> {
  return requestJson<Lesson>(`/api/courses/${courseId}/lessons/${lessonId}`, {
    method: 'PUT',
    auth: 'required',
    body: changes,
  });
}

export function deleteLesson(courseId: number, lessonId: number): Promise<void> {
  return requestVoid(`/api/courses/${courseId}/lessons/${lessonId}`, { method: 'DELETE', auth: 'required' });
}
