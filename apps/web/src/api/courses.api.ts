import type { AuthMode } from './http';
import type {
  Course,
  CourseDetail,
  EnrollmentSettings,
  Invite,
  Lesson,
  LessonKind,
  Page,
  Section,
} from './api.types';
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

/**
 * `auth: 'none'` for readers (cacheable); `optional` lets owners and admins see drafts. `fresh` revalidates
 * the browser's copy (public reads may be served from it for a moment), for pages that show their own writes.
 */
export function getCourse(
  id: number,
  auth: AuthMode,
  signal?: AbortSignal,
  fresh = false,
): Promise<CourseDetail> {
  return requestJson<CourseDetail>(`/api/courses/${id}`, {
    auth,
    signal,
    cache: fresh ? 'no-cache' : undefined,
  });
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

export type CourseChanges = Partial<CourseInput & EnrollmentSettings>;

export function updateCourse(id: number, changes: CourseChanges): Promise<Course> {
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
  /** null: the course's unnamed first part. */
  section_id?: number | null;
  kind?: LessonKind;
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

export interface SectionInput {
  title: string;
  /** 1-based position; omitted to append. */
  order?: number;
  /** ISO time; null: released. */
  available_from?: string | null;
}

export function createSection(courseId: number, input: SectionInput): Promise<Section> {
  return requestJson<Section>(`/api/courses/${courseId}/sections`, {
    method: 'POST',
    auth: 'required',
    body: input,
  });
}

export function updateSection(
  courseId: number,
  sectionId: number,
  changes: Partial<SectionInput>,
): Promise<Section> {
  return requestJson<Section>(`/api/courses/${courseId}/sections/${sectionId}`, {
    method: 'PUT',
    auth: 'required',
    body: changes,
  });
}

/** Its lessons move to no section. */
export function deleteSection(courseId: number, sectionId: number): Promise<void> {
  return requestVoid(`/api/courses/${courseId}/sections/${sectionId}`, {
    method: 'DELETE',
    auth: 'required',
  });
}

export function listInvites(courseId: number, signal?: AbortSignal): Promise<Invite[]> {
  return requestJson<Invite[]>(`/api/courses/${courseId}/invites`, { auth: 'required', signal });
}

export interface InviteInput {
  max_uses?: number;
  expires_at?: string;
}

export function createInvite(courseId: number, input: InviteInput): Promise<Invite> {
  return requestJson<Invite>(`/api/courses/${courseId}/invites`, {
    method: 'POST',
    auth: 'required',
    body: input,
  });
}

export function revokeInvite(courseId: number, code: string): Promise<void> {
  return requestVoid(`/api/courses/${courseId}/invites/${encodeURIComponent(code)}`, {
    method: 'DELETE',
    auth: 'required',
  });
}
