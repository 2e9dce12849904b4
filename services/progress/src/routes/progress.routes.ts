import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireUser } from '@lectern/kit';
import type { Page } from '../progress.repository.js';
import type { ProgressService } from '../progress.service.js';
import {
  completeLessonSchema,
  courseSummaryRouteSchema,
  enrollSchema,
  myCompletionsSchema,
  myCoursesSchema,
  rosterSchema,
  seatsSchema,
  uncompleteLessonSchema,
  unenrollSchema,
} from './progress.schemas.js';

function wantsCsv(request: FastifyRequest): boolean {
  return /\btext\/csv\b/i.test(request.headers.accept ?? '');
}

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
    const { items, total } = await service.enrolledCourses(requireUser(request), request.query);
    paginate(request, reply, request.query, total);
    return items;
  });

  app.get('/api/progress/courses/:course_id', { schema: courseSummaryRouteSchema }, async (request) =>
    service.courseSummary(requireUser(request), request.params.course_id),
  );

  app.post(
    '/api/progress/courses/:course_id/enrollment',
    {
      schema: enrollSchema,
      // The body is optional: a POST without one is an enrolment without a code.
      preValidation: (request, _reply, next) => {
        // The type says the schema holds, which it does only after this.
        const raw = request as { body: unknown };
        raw.body ??= {};
        next();
      },
    },
    async (request, reply) => {
      const code = request.body.invite_code;
      const { enrollment, created } = await service.enroll(
        requireUser(request),
        request.params.course_id,
        code,
      );
      return reply.code(created ? 201 : 200).send(enrollment);
    },
  );

  app.delete(
    '/api/progress/courses/:course_id/enrollment',
    { schema: unenrollSchema },
    async (request, reply) => {
      await service.unenroll(requireUser(request), request.params.course_id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/progress/courses/:course_id/enrollments',
    { schema: rosterSchema },
    async (request, reply) => {
      const user = requireUser(request);
      const courseId = request.params.course_id;
      if (wantsCsv(request)) {
        const csv = Buffer.from(await service.rosterCsv(user, courseId), 'utf8');
        // Bytes are sent as they are: the JSON response schema does not apply to them.
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="course-${courseId}-roster.csv"`)
          .send(csv as unknown as never);
      }
      const { items, total } = await service.roster(user, courseId, request.query);
      paginate(request, reply, request.query, total);
      return items;
    },
  );
  done();
};

/** Routes anyone may call, signed in or not. */
export const publicProgressRoutes: FastifyPluginCallbackTypebox<{ service: ProgressService }> = (
  app,
  { service },
  done,
) => {
  app.get('/api/progress/courses/:course_id/seats', { schema: seatsSchema }, async (request) =>
    service.seatCount(request.params.course_id),
  );
  done();
};
