import { AppError, errors } from '@lectern/kit';

const retryAfterSeconds = 2;

export const progressErrors = {
  lessonNotFound: (lessonId: number) =>
    errors.notFound(`Lesson ${lessonId} was not found.`, 'lesson_not_found'),
  courseNotFound: (courseId: number) =>
    errors.notFound(`Course ${courseId} was not found.`, 'course_not_found'),
  /** The courses service could not say what a lesson or course is; `cause` is logged, never shown. */
  coursesUnavailable: (cause: unknown) =>
    new AppError(
      503,
      'courses_unavailable',
      'Lesson information is unavailable right now, so nothing was recorded; please retry shortly.',
      { headers: { 'retry-after': String(retryAfterSeconds) }, cause },
    ),
  shuttingDown: () =>
    errors.unavailable(
      'This server is shutting down, so nothing was recorded; please retry.',
      1,
      'shutting_down',
    ),
};
