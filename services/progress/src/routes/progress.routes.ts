import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireUser } from '@lectern/kit';
import type { Page } from '../progress.repository.js';
import type { ProgressService } from '../progress.service.js';
import {
  completeLessonSchema,
  courseSummaryRouteSchema,
  myCompletionsSchema,
  myCoursesSchema,
  uncompleteLessonSchema,
} from './progress.schemas.js';

/** X-Total-Count, and a Link to the next page when there is one. */
function paginate(request: FastifyRequest, reply: FastifyReply, page: Page, total: number): void {
  void reply.header('x-total-count', String(total));
  if (page.offset + page.limit >= total) return;
  const path = request.url.split('?')[0] ?? '';
  void reply.header('link', `<${path}?limit=${page.limit}&offset=${page.offset + page.limit}>; rel="next"`);
}

export const progressRoutes: FastifyPluginCallbackTypebox<{ service: ProgressService }> = (
  app,
  { service },
  done,
) => {
  app.post('/api/progress/:lesson_id/complete', { schema: completeLessonSchema }, async (request) => {
    const { lesson_id: lessonId } = request.params;
    await service.complete(requireUser(request), lessonId);
    return { ok: true as const, lesson_id: lessonId };
  });

  app.delete(
    '/api/progress/:lesson_id/complete',
    { schema: uncompleteLessonSchema },
    async (request, reply) => {
      await service.uncomplete(requireUser(request), request.params.lesson_id);
      return reply.code(204).send(null);
    },
  );

  app.get('/api/progress/my', { schema: myCompletionsSchema }, async (request, reply) => {
    const { items, total } = await service.completions(requireUser(request), request.query);
    paginate(request, reply, request.query, total);
    return items;
  });

  app.get('/api/progress/my/courses', { schema: myCoursesSchema }, async (request, reply) => {
    const { items, total } = await service.startedCourses(requireUser(request), request.query);
    paginate(request, reply, request.query, total);
    return items;
  });

  app.get('/api/progress/courses/:course_id', { schema: courseSummaryRouteSchema }, async (request) =>
    service.courseSummary(requireUser(request), request.params.course_id),
  );
  done();
};
