import type { AuthUser } from '@lectern/kit';
import { courseNotFound, notCourseOwner } from './courses.errors.js';

export interface CourseAccess {
  id: number;
  ownerId: number;
  published: boolean;
}

/** A draft is seen only by its owner and admins; everyone sees a published course. */
export function canView(course: CourseAccess, viewer: AuthUser | null): boolean {
  return course.published || viewer?.role === 'admin' || viewer?.id === course.ownerId;
}

export function canEdit(course: CourseAccess, viewer: AuthUser): boolean {
  return viewer.role === 'admin' || (viewer.role === 'instructor' && viewer.id === course.ownerId);
}

/** 404 when the viewer may not even see the course (a draft's existence is not revealed), 403 when read-only. */
export function assertCanEdit<C extends CourseAccess>(
  course: C | null,
  viewer: AuthUser,
): asserts course is C {
  if (!course || !canView(course, viewer)) throw courseNotFound();
  if (!canEdit(course, viewer)) throw notCourseOwner();
}
