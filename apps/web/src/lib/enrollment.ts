import type { Course } from '../api/api.types';

/**
 * Why the caller cannot enrol right now, as far as the course's settings tell. Whether a seat is left only
 * the server knows (at the moment it takes one): a full course is its 409 `course_full`.
 */
export type EnrollmentBlock =
  | { reason: 'closed' }
  | { reason: 'invite_required' }
  | { reason: 'not_open_yet'; opensAt: string }
  | { reason: 'window_closed'; closedAt: string };

export function enrollmentBlock(
  course: Course,
  hasInvite: boolean,
  now: number = Date.now(),
): EnrollmentBlock | null {
  if (course.enrollment === 'closed') return { reason: 'closed' };
  if (course.enrollment === 'invite' && !hasInvite) return { reason: 'invite_required' };
  if (course.enroll_opens_at !== null && Date.parse(course.enroll_opens_at) > now) {
    return { reason: 'not_open_yet', opensAt: course.enroll_opens_at };
  }
  if (course.enroll_closes_at !== null && Date.parse(course.enroll_closes_at) <= now) {
    return { reason: 'window_closed', closedAt: course.enroll_closes_at };
  }
  return null;
}
