import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Cache, Database, SessionStates } from '@lectern/kit';
import { CoursesRepository } from './courses.repository.js';
import { CoursesService } from './courses.service.js';
import { courseRoutes } from './routes/courses.routes.js';
import { internalRoutes } from './routes/internal.routes.js';

export interface CoursesServiceOptions {
  database: Database;
  cache: Cache;
  /** Cache-Control max-age of anonymous catalog reads (COURSES_PUBLIC_MAX_AGE_SECONDS); default 1. */
  publicMaxAgeSeconds?: number;
  /** Users' current roles and session versions (auth's), which every write checks. */
  sessionStates: SessionStates;
  /** Cache-Control stale-if-error of anonymous catalog reads (COURSES_STALE_IF_ERROR_SECONDS); default 60. */
  staleIfErrorSeconds?: number;
}

/** The courses API under /api/courses and the internal endpoints progress uses. Register at the root. */
export const coursesService: FastifyPluginAsyncTypebox<CoursesServiceOptions> = async (app, options) => {
  const service = new CoursesService(new CoursesRepository(options.database), options.cache);
  await app.register(courseRoutes, {
    service,
    publicMaxAgeSeconds: options.publicMaxAgeSeconds ?? 1,
    sessionStates: options.sessionStates,
    staleIfErrorSeconds: options.staleIfErrorSeconds ?? 60,
  });
  await app.register(internalRoutes, { service });
};
