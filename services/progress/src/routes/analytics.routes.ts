import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { requireUser } from '@lectern/kit';
import type { AnalyticsService } from '../analytics/analytics.service.js';
import { courseAnalyticsSchema } from './certificates.schemas.js';

/** Registered behind the token check with the other signed-in progress routes. */
export const analyticsRoutes: FastifyPluginCallbackTypebox<{ analytics: AnalyticsService }> = (
  app,
  { analytics },
  done,
) => {
  app.get('/api/progress/courses/:course_id/analytics', { schema: courseAnalyticsSchema }, async (request) =>
    analytics.forCourse(requireUser(request), request.params.course_id),
  );
  done();
};
