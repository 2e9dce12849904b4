import type { FastifyPluginAsync } from 'fastify';
import { authenticated, type Cache, type Database } from '@lectern/kit';
import { CompletionBatcher } from './completions.batcher.js';
import type { ProgressConfig } from './config.js';
import { CoursesClient, httpFetchCourses, type FetchCourses } from './courses.client.js';
import { ProgressRepository } from './progress.repository.js';
import { ProgressService } from './progress.service.js';
import { progressRoutes } from './routes/progress.routes.js';

export interface ProgressServiceOptions {
  config: Pick<
    ProgressConfig,
    | 'COURSES_URL'
    | 'COURSES_TIMEOUT_MS'
    | 'PROGRESS_BATCH_MAX'
    | 'PROGRESS_BATCH_WINDOW_MS'
    | 'PROGRESS_BATCH_WRITES'
  >;
  /** The database holding the progress schema (migrated by migrateProgress). */
  database: Database;
  /** Where courses' answers are cached (namespace 'course-outlines', which courses invalidates). */
  cache: Cache;
  /** Replaces the whole courses client (tests). */
  coursesClient?: CoursesClient;
  /** How to reach the courses API; default `fetch` against COURSES_URL. All-in-one passes one over `app.inject`. */
  fetchCourses?: FetchCourses;
}

/** Progress routes, registered at the root: every route needs an access token and is never cached by anyone. */
export const progressService: FastifyPluginAsync<ProgressServiceOptions> = async (app, options) => {
  const { config, database, cache } = options;
  const repository = new ProgressRepository(database);
  const coursesClient =
    options.coursesClient ??
    new CoursesClient(
      cache,
      options.fetchCourses ?? httpFetchCourses(config.COURSES_URL, config.COURSES_TIMEOUT_MS),
    );
  const batcher = new CompletionBatcher((completions) => repository.insertCompletions(completions), {
    maxBatch: config.PROGRESS_BATCH_MAX,
    windowMs: config.PROGRESS_BATCH_WINDOW_MS,
    maxWrites: config.PROGRESS_BATCH_WRITES,
  });
  const service = new ProgressService(repository, coursesClient, batcher);

  // Before validation, so a caller without a valid token learns nothing about the request but the 401.
  app.addHook('onRequest', authenticated);
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('cache-control', 'private, no-store');
    done(null, payload);
  });
  app.addHook('onClose', () => batcher.close());

  await app.register(progressRoutes, { service });
};
