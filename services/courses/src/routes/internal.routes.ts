import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { problemSchema } from '@lectern/kit';
import type { CoursesService } from '../courses.service.js';
import { Type } from '@sinclair/typebox';
import {
  internalCourseParams,
  internalInviteParams,
  internalLessonParams,
  internalRedemptionParams,
  lessonRefSchema,
  outlineSchema,
  redemptionBody,
  redemptionSchema,
} from './courses.schemas.js';

/**
 * For the progress and assessments services only: nginx never routes /internal, so there is no token and no rate limit, and the
 * routes stay out of the public API document. Drafts are answered too; progress applies the visibility rule.
 */
export const internalRoutes: FastifyPluginCallbackTypebox<{ service: CoursesService }> = (
  app,
  { service },
  done,
) => {
  const config = { rateLimit: false } as const;

  app.get(
    '/internal/courses/lessons/:lesson_id',
    {
      config,
      schema: {
        hide: true,
        params: internalLessonParams,
        response: { 200: lessonRefSchema, 404: problemSchema, 422: problemSchema },
      },
    },
    async (request) => service.lessonRef(request.params.lesson_id),
  );

  app.get(
    '/internal/courses/:course_id/outline',
    {
      config,
      schema: {
        hide: true,
        params: internalCourseParams,
        response: { 200: outlineSchema, 404: problemSchema, 422: problemSchema },
      },
    },
    async (request) => service.outline(request.params.course_id),
  );

  app.post(
    '/internal/courses/:course_id/invites/:code/redemptions',
    {
      config,
      schema: {
        hide: true,
        params: internalInviteParams,
        body: redemptionBody,
        response: { 200: redemptionSchema, 403: problemSchema, 422: problemSchema },
      },
    },
    async (request) =>
      service.redeemInvite(request.params.course_id, request.params.code, request.body.user_id),
  );

  app.delete(
    '/internal/courses/:course_id/invites/:code/redemptions/:user_id',
    {
      config,
      schema: {
        hide: true,
        params: internalRedemptionParams,
        response: { 204: Type.Null(), 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { course_id: courseId, code, user_id: userId } = request.params;
      await service.releaseInvite(courseId, code, userId);
      return reply.code(204).send(null);
    },
  );
  done();
};
