import type {
  Certificate,
  CertificateSummary,
  Completion,
  CourseAnalytics,
  CourseProgress,
  Enrollment,
  Page,
  RosterEntry,
} from './api.types';
import { requestBlob, requestJson, requestPage, requestVoid, withQuery } from './http';

/**
 * Completions and un-completions still on their way to the server. Reads of the learner's own progress wait for
 * them, so a page opened right after clicking "complete" (the course page, My learning) shows that click.
 */
const pendingWrites = new Set<Promise<unknown>>();

function tracked<T>(write: Promise<T>): Promise<T> {
  pendingWrites.add(write);
  const settle = () => pendingWrites.delete(write);
  write.then(settle, settle);
  return write;
}

/** How long a read waits for writes in flight: a write the network holds up must not hold up every page. */
const PENDING_WRITES_WAIT_MS = 10_000;

async function afterPendingWrites(): Promise<void> {
  const deadline = Date.now() + PENDING_WRITES_WAIT_MS;
  while (pendingWrites.size > 0 && Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadline - Date.now());
    });
    await Promise.race([Promise.allSettled([...pendingWrites]), timeout]);
    clearTimeout(timer);
  }
}

export async function completeLesson(lessonId: number): Promise<void> {
  await tracked(
    requestJson<{ ok: boolean; lesson_id: number }>(`/api/progress/${lessonId}/complete`, {
      method: 'POST',
      auth: 'required',
    }),
  );
}

export function uncompleteLesson(lessonId: number): Promise<void> {
  return tracked(requestVoid(`/api/progress/${lessonId}/complete`, { method: 'DELETE', auth: 'required' }));
}

export async function getCourseProgress(courseId: number, signal?: AbortSignal): Promise<CourseProgress> {
  await afterPendingWrites();
  return requestJson<CourseProgress>(`/api/progress/courses/${courseId}`, { auth: 'required', signal });
}

export async function listMyCourseProgress(signal?: AbortSignal): Promise<CourseProgress[]> {
  await afterPendingWrites();
  return requestJson<CourseProgress[]>('/api/progress/my/courses', { auth: 'required', signal });
}

export async function listMyCompletions(
  limit: number,
  offset: number,
  signal?: AbortSignal,
): Promise<Page<Completion>> {
  await afterPendingWrites();
  return requestPage<Completion>(withQuery('/api/progress/my', { limit, offset }), {
    auth: 'required',
    signal,
  });
}

/** Takes a seat; resolves the same way when the caller already has one. */
export function enroll(courseId: number, inviteCode?: string): Promise<Enrollment> {
  return requestJson<Enrollment>(`/api/progress/courses/${courseId}/enrollment`, {
    method: 'POST',
    auth: 'required',
    body: inviteCode === undefined ? {} : { invite_code: inviteCode },
  });
}

export function unenroll(courseId: number): Promise<void> {
  return requestVoid(`/api/progress/courses/${courseId}/enrollment`, { method: 'DELETE', auth: 'required' });
}

export function listRoster(
  courseId: number,
  limit: number,
  offset: number,
  signal?: AbortSignal,
): Promise<Page<RosterEntry>> {
  return requestPage<RosterEntry>(
    withQuery(`/api/progress/courses/${courseId}/enrollments`, { limit, offset }),
    { auth: 'required', signal },
  );
}

/** The whole roster as a CSV file (the same resource, asked for as text/csv). */
export function downloadRosterCsv(courseId: number): Promise<Blob> {
  return requestBlob(`/api/progress/courses/${courseId}/enrollments`, {
    auth: 'required',
    accept: 'text/csv',
  });
}

export function listMyCertificates(signal?: AbortSignal): Promise<CertificateSummary[]> {
  return requestJson<CertificateSummary[]>('/api/progress/my/certificates', { auth: 'required', signal });
}

/** Public: anyone with the link checks a certificate, signed in or not. */
export function getCertificate(id: string, signal?: AbortSignal): Promise<Certificate> {
  return requestJson<Certificate>(`/api/progress/certificates/${encodeURIComponent(id)}`, {
    auth: 'none',
    signal,
  });
}

/** Where the certificate's PDF is served; a plain link downloads it, no token needed. */
export function certificatePdfPath(id: string): string {
  return `/api/progress/certificates/${encodeURIComponent(id)}/pdf`;
}

export function revokeCertificate(id: string): Promise<Certificate> {
  return requestJson<Certificate>(`/api/progress/certificates/${encodeURIComponent(id)}/revoke`, {
    method: 'POST',
    auth: 'required',
  });
}

export function getCourseAnalytics(courseId: number, signal?: AbortSignal): Promise<CourseAnalytics> {
  return requestJson<CourseAnalytics>(`/api/progress/courses/${courseId}/analytics`, {
    auth: 'required',
    signal,
  });
}

export interface CourseSeats {
  course_id: number;
  capacity: number | null;
  taken: number;
  /** null when the course has no seat limit. */
  left: number | null;
}

/** Public: how many seats a published course has left. */
export function getCourseSeats(courseId: number, signal?: AbortSignal): Promise<CourseSeats> {
  return requestJson<CourseSeats>(`/api/progress/courses/${courseId}/seats`, { auth: 'none', signal });
}
