import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { problemSchema } from '@lectern/kit';
import type { CoursesService } from '../courses.service.js';
import {
  internalCourseParams,
  internalLessonParams,
  lessonRefSchema,
  outlineSchema,
} from './courses.schemas.js';

/**
 * For the progress service only: nginx never routes /internal, so there is no token and no rate limit, and the
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
  done();
};
