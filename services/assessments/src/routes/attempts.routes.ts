import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { requireUser } from '@lectern/kit';
import type { AttemptsService } from '../attempts.service.js';
import {
  getAttemptSchema,
  gradeAttemptSchema,
  quizAttemptsSchema,
  saveAnswersSchema,
  startAttemptSchema,
  submitAttemptSchema,
} from './attempts.schemas.js';

/** Essays can be long: an autosave may carry up to a few of them. */
const answersBodyLimit = 512 * 1024;

export const attemptsRoutes: FastifyPluginCallbackTypebox<{ service: AttemptsService }> = (
  app,
  { service },
  done,
) => {
  app.post(
    '/api/assessments/quizzes/:lesson_id/attempts',
    { schema: startAttemptSchema },
    async (request, reply) => {
      const started = await service.start(requireUser(request), request.params.lesson_id);
      // Already JSON, put together from the cached paper: a string with a JSON type is sent as it is, so the
      // schema above documents the answer without serializing it again.
      return reply
        .code(started.status)
        .type('application/json; charset=utf-8')
        .send(started.body as never);
    },
  );

  app.get(
    '/api/assessments/quizzes/:lesson_id/attempts',
    { schema: quizAttemptsSchema },
    async (request, reply) => {
      const { status, limit, offset } = request.query;
      const { items, total } = await service.attempts(
        requireUser(request),
        request.params.lesson_id,
        status,
        {
          limit,
          offset,
        },
      );
      void reply.header('x-total-count', String(total));
      if (offset + limit < total) {
        const path = request.url.split('?')[0] ?? '';
        const filter = status ? `status=${status}&` : '';
        void reply.header('link', `<${path}?${filter}limit=${limit}&offset=${offset + limit}>; rel="next"`);
      }
      return items;
    },
  );

  app.put(
    '/api/assessments/attempts/:id/answers',
    { schema: saveAnswersSchema, bodyLimit: answersBodyLimit },
    async (request) => service.saveAnswers(requireUser(request), request.params.id, request.body.answers),
  );

  app.post('/api/assessments/attempts/:id/submit', { schema: submitAttemptSchema }, async (request) =>
    service.submit(requireUser(request), request.params.id),
  );

  app.get('/api/assessments/attempts/:id', { schema: getAttemptSchema }, async (request) =>
    service.view(requireUser(request), request.params.id),
  );

  app.post('/api/assessments/attempts/:id/grades', { schema: gradeAttemptSchema }, async (request) =>
    service.gradeByHand(requireUser(request), request.params.id, request.body),
  );
  done();
};
