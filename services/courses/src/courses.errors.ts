import { AppError, errors } from '@lectern/kit';
import { maxContentLength } from './db/schema.js';

/** codERROR's clients show `detail`, which said "Course not found". */
export const courseNotFound = () => errors.notFound('Course not found.', 'course_not_found');

export const lessonNotFound = () => errors.notFound('Lesson not found.', 'lesson_not_found');

export const notCourseOwner = () =>
  errors.forbidden('Only the instructor who owns this course, or an admin, can change it.');

export const lessonContentTooLarge = () =>
  new AppError(413, 'payload_too_large', `Lesson content is longer than ${maxContentLength} characters.`);

export const invalidCursor = () =>
  errors.validation([{ field: 'query.cursor', message: 'is not a cursor from a Link: rel="next" header' }]);

export const cursorWithOffset = () =>
  errors.validation([{ field: 'query.offset', message: 'must be 0 when a cursor is given' }]);

export const nothingToChange = (fields: string[]) =>
  errors.validation([{ field: 'body', message: `must set at least one of ${fields.join(', ')}` }]);

export const sectionNotFound = () => errors.notFound('Section not found.', 'section_not_found');

export const inviteNotFound = () => errors.notFound('Invite not found.', 'invite_not_found');

/** Any code that cannot be used now for this course: unknown, revoked, expired, used up or another course's. */
export const invalidInvite = () =>
  new AppError(403, 'invalid_invite', 'This invite code is not valid for this course.');

/** Withheld content of a section that opens later; the date goes along so clients can show it. */
export const notAvailableYet = (availableFrom: Date) =>
  new AppError(403, 'not_available_yet', `This lesson opens on ${availableFrom.toISOString()}.`, {
    availableFrom: availableFrom.toISOString(),
  });

export const sectionOfAnotherCourse = () =>
  errors.validation([{ field: 'body.section_id', message: 'is not a section of this course' }]);

export const enrollmentWindowReversed = () =>
  errors.validation([{ field: 'body.enroll_closes_at', message: 'must be after enroll_opens_at' }]);
