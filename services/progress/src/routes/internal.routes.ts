import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { AppError, type AuthUser } from '@lectern/kit';
import type { ProgressService } from '../progress.service.js';
import {
  internalAccessBatchSchema,
  internalAccessSchema,
  internalCompleteSchema,
} from './progress.schemas.js';

/** The learner an internal caller speaks for: it verified their token; the e-mail is not needed here. */
function learner(body: { user_id: number; role?: AuthUser['role'] | undefined }): AuthUser {
  return { id: body.user_id, email: '', role: body.role ?? 'student' };
}

/**
 * For the assessments service only: nginx never routes /internal, so there is no token (the caller verified the
 * learner's) and no rate limit, and the routes stay out of the public API document.
 */
export const internalRoutes: FastifyPluginCallbackTypebox<{ service: ProgressService }> = (
  app,
  { service },
  done,
) => {
  const config = { rateLimit: false } as const;

  app.post('/internal/progress/access', { config, schema: internalAccessSchema }, async (request) =>
    service.access(learner(request.body), request.body.lesson_id),
  );

  app.post(
    '/internal/progress/access/batch',
    { config, schema: internalAccessBatchSchema },
    async (request) => {
      const settled = await service.accessMany(
        request.body.checks.map((check) => ({ user: learner(check), lessonId: check.lesson_id })),
      );
      return {
        answers: settled.map((outcome) => {
          if (outcome.status === 'fulfilled') return { status: 200, course_id: outcome.value.course_id };
          // Refusals pass on as progress's problem; anything else (the database away) fails the whole call.
          if (outcome.reason instanceof AppError && outcome.reason.statusCode < 500) {
            return { status: outcome.reason.statusCode, problem: outcome.reason.toProblem() };
          }
          throw outcome.reason;
        }),
      };
    },
  );

  app.post(
    '/internal/progress/lessons/:lesson_id/complete',
    { config, schema: internalCompleteSchema },
    async (request) => {
      const { lesson_id: lessonId } = request.params;
      await service.completeForAssessment(learner(request.body), lessonId);
      return { ok: true as const, lesson_id: lessonId };
    },
  );
  done();
};
