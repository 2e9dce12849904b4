import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { requireUser } from '@lectern/kit';
import type { QuizzesService } from '../quizzes.service.js';
import { getQuizSchema, importQuizSchema, putQuizSchema, quizStatsSchema } from './quizzes.schemas.js';

const giftBodyLimit = 1024 * 1024;

export const quizzesRoutes: FastifyPluginCallbackTypebox<{ service: QuizzesService }> = (
  app,
  { service },
  done,
) => {
  app.put(
    '/api/assessments/quizzes/:lesson_id',
    { schema: putQuizSchema, bodyLimit: giftBodyLimit },
    async (request) => service.save(requireUser(request), request.params.lesson_id, request.body),
  );

  app.get('/api/assessments/quizzes/:lesson_id', { schema: getQuizSchema }, async (request) =>
    service.view(requireUser(request), request.params.lesson_id),
  );

  app.post(
    '/api/assessments/quizzes/:lesson_id/import',
    { schema: importQuizSchema, bodyLimit: giftBodyLimit },
    async (request) => service.importGift(requireUser(request), request.params.lesson_id, request.body),
  );

  app.get('/api/assessments/quizzes/:lesson_id/stats', { schema: quizStatsSchema }, async (request) =>
    service.stats(requireUser(request), request.params.lesson_id),
  );
  done();
};
