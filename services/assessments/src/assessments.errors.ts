import { AppError, errors, type FieldError } from '@lectern/kit';

const retryAfterSeconds = 2;

export const assessmentsErrors = {
  quizNotFound: (lessonId: number) =>
    errors.notFound(`There is no quiz for lesson ${lessonId}.`, 'quiz_not_found'),
  lessonNotFound: (lessonId: number) =>
    errors.notFound(`Lesson ${lessonId} was not found.`, 'lesson_not_found'),
  notAQuizLesson: (lessonId: number) =>
    errors.conflict(`Lesson ${lessonId} is not of kind quiz.`, 'not_a_quiz_lesson'),
  attemptNotFound: (attemptId: number) =>
    errors.notFound(`Attempt ${attemptId} was not found.`, 'attempt_not_found'),
  notOwner: () => errors.forbidden('Only the course owner or an admin may do this.'),
  quizClosed: (detail: string) => new AppError(403, 'quiz_closed', detail),
  attemptsExhausted: (maxAttempts: number) =>
    errors.conflict(`All ${maxAttempts} attempts of this quiz are used.`, 'attempts_exhausted'),
  attemptClosed: (attemptId: number) =>
    errors.conflict(
      `Attempt ${attemptId} is closed: it was submitted, or its deadline and grace period have passed.`,
      'attempt_closed',
    ),
  notHandGraded: (questionId: number) =>
    errors.conflict(`Question ${questionId} is graded automatically, not by hand.`, 'not_hand_graded'),
  questionNotInAttempt: (questionId: number) =>
    errors.validation([
      { field: 'body.question_id', message: `question ${questionId} is not in this attempt` },
    ]),
  invalidQuiz: (fieldErrors: FieldError[]) => errors.validation(fieldErrors),
  giftSyntax: (line: number, column: number, message: string) =>
    new AppError(422, 'gift_invalid', `GIFT line ${line}, column ${column}: ${message}`, {
      fieldErrors: [{ field: `body.line.${line}`, message }],
    }),
  /** The courses or progress service could not answer; `cause` is logged, never shown. */
  dependencyUnavailable: (service: 'courses' | 'progress', cause: unknown) =>
    new AppError(
      503,
      `${service}_unavailable`,
      `The ${service} service is unavailable right now, so nothing was recorded; please retry shortly.`,
      { headers: { 'retry-after': String(retryAfterSeconds) }, cause },
    ),
  shuttingDown: () =>
    errors.unavailable(
      'This server is shutting down, so nothing was recorded; please retry.',
      1,
      'shutting_down',
    ),
};

/** Progress refused a learner: its problem is passed on as it is (not_enrolled, lesson_locked, not_available_yet). */
export function passedOnProblem(status: number, problem: { code?: unknown; detail?: unknown }): AppError {
  const code = typeof problem.code === 'string' ? problem.code : 'forbidden';
  const detail = typeof problem.detail === 'string' ? problem.detail : 'You may not take this quiz.';
  return new AppError(status, code, detail);
}
