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
