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
  authUnavailable: (cause: unknown) =>
    new AppError(
      503,
      'auth_unavailable',
      'Learner e-mails are unavailable right now; please retry shortly.',
      {
        headers: { 'retry-after': String(retryAfterSeconds) },
        cause,
      },
    ),
  courseFull: () => new AppError(409, 'course_full', 'Every seat of this course is taken.'),
  enrollmentClosed: (detail = 'This course does not take new learners.') =>
    new AppError(403, 'enrollment_closed', detail),
  inviteRequired: () =>
    new AppError(
      403,
      'invite_required',
      'This course takes learners by invitation: an invite code is needed.',
    ),
  invalidInvite: () => new AppError(403, 'invalid_invite', 'This invite code is not valid for this course.'),
  notEnrolled: () =>
    new AppError(403, 'not_enrolled', 'Enrol in this course first: it does not enrol learners on their own.'),
  lessonLocked: (previousLessonId: number) =>
    new AppError(
      409,
      'lesson_locked',
      `This course is taken in order: complete lesson ${previousLessonId} before this one.`,
    ),
  notAvailableYet: (availableFrom: string) =>
    new AppError(403, 'not_available_yet', `This lesson opens on ${availableFrom}.`, { availableFrom }),
  quizRequired: () =>
    new AppError(409, 'quiz_required', 'This lesson is a quiz: it is completed by passing the quiz.'),
  notCourseOwner: () =>
    errors.forbidden('Only the instructor who owns this course, or an admin, can see its learners.'),
  certificateNotFound: (id: string) =>
    errors.notFound(`Certificate ${id} was not found.`, 'certificate_not_found'),
  adminOnly: () => errors.forbidden('Only an admin can revoke a certificate.'),
  notCourseAnalyst: () =>
    errors.forbidden('Only the instructor who owns this course, or an admin, can see its analytics.'),
  shuttingDown: () =>
    errors.unavailable(
      'This server is shutting down, so nothing was recorded; please retry.',
      1,
      'shutting_down',
    ),
};
