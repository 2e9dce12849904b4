import type { FastifyPluginAsync } from 'fastify';
import { authenticated, GroupCommit, type Cache, type Database, type InternalTransport } from '@lectern/kit';
import { assessmentsErrors } from './assessments.errors.js';
import { autosaveBatchSize } from './assessments.metrics.js';
import {
  AttemptsRepository,
  type Autosave,
  type StartAttempt,
  type StartedAttempt,
} from './attempts.repository.js';
import { AttemptsService } from './attempts.service.js';
import { deliverOwedCompletions } from './completions.outbox.js';
import type { AssessmentsConfig } from './config.js';
import { CoursesClient } from './courses.client.js';
import { sweepOverdueAttempts } from './deadline.sweeper.js';
import { every } from './periodic.js';
import { ProgressClient } from './progress.client.js';
import { QuizzesRepository } from './quizzes.repository.js';
import { QuizzesService } from './quizzes.service.js';
import { attemptsRoutes } from './routes/attempts.routes.js';
import { quizzesRoutes } from './routes/quizzes.routes.js';

export interface AssessmentsServiceOptions {
  config: Pick<
    AssessmentsConfig,
    | 'ASSESSMENTS_AUTOSAVE_BATCH_MAX'
    | 'ASSESSMENTS_AUTOSAVE_WINDOW_MS'
    | 'ASSESSMENTS_AUTOSAVE_WRITES'
    | 'ASSESSMENTS_SWEEP_INTERVAL_MS'
    | 'ASSESSMENTS_SWEEP_BATCH'
    | 'ASSESSMENTS_OUTBOX_INTERVAL_MS'
    | 'ASSESSMENTS_OUTBOX_MAX_DELAY_MS'
  >;
  /** The database holding the assessments schema (migrated by migrateAssessments). */
  database: Database;
  /** Papers (namespace quiz-paper:<lesson>) and courses' answers (course-outlines) are cached here. */
  cache: Cache;
  /** How to reach courses' /internal endpoints: fetch against COURSES_URL, or app.inject in the all-in-one. */
  courses: InternalTransport;
  /** How to reach progress's /internal endpoints. */
  progress: InternalTransport;
}

/**
 * Quizzes and timed exams, registered at the root: every route needs an access token and is never cached by
 * anyone. Runs the deadline sweeper and the completions relay while the app is up.
 */
export const assessmentsService: FastifyPluginAsync<AssessmentsServiceOptions> = async (app, options) => {
  const { config, database, cache } = options;
  const quizRepository = new QuizzesRepository(database);
  const attemptRepository = new AttemptsRepository(database);
  const courses = new CoursesClient(cache, options.courses);
  const progress = new ProgressClient(options.progress);
  const quizzes = new QuizzesService(quizRepository, attemptRepository, courses, cache);
  const autosaves = new GroupCommit<Autosave, Date | null>(
    (batch) => {
      autosaveBatchSize.set(batch.length);
      return attemptRepository.saveAnswers(batch);
    },
    {
      maxBatch: config.ASSESSMENTS_AUTOSAVE_BATCH_MAX,
      windowMs: config.ASSESSMENTS_AUTOSAVE_WINDOW_MS,
      maxWrites: config.ASSESSMENTS_AUTOSAVE_WRITES,
      closedError: assessmentsErrors.shuttingDown,
    },
  );
  // Starts group-commit like autosaves, with the same limits: at an exam's start they arrive by the thousand.
  const starts = new GroupCommit<StartAttempt, StartedAttempt | null>(
    (batch) => attemptRepository.start(batch),
    {
      maxBatch: config.ASSESSMENTS_AUTOSAVE_BATCH_MAX,
      windowMs: config.ASSESSMENTS_AUTOSAVE_WINDOW_MS,
      maxWrites: config.ASSESSMENTS_AUTOSAVE_WRITES,
      closedError: assessmentsErrors.shuttingDown,
    },
  );
  const report = (task: string) => (error: unknown) => app.log.error({ err: error, task }, `${task} failed`);
  const relay = every(
    config.ASSESSMENTS_OUTBOX_INTERVAL_MS,
    async () => {
      await deliverOwedCompletions(attemptRepository, progress, config.ASSESSMENTS_OUTBOX_MAX_DELAY_MS);
    },
    report('completions relay'),
  );
  const attempts = new AttemptsService(
    attemptRepository,
    quizRepository,
    quizzes,
    courses,
    progress,
    starts,
    autosaves,
    () => relay.wake(),
  );
  const sweeper = every(
    config.ASSESSMENTS_SWEEP_INTERVAL_MS,
    async () => {
      await sweepOverdueAttempts(attemptRepository, attempts, config.ASSESSMENTS_SWEEP_BATCH);
    },
    report('deadline sweep'),
  );

  // Before validation, so a caller without a valid token learns nothing about the request but the 401.
  app.addHook('onRequest', authenticated);
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('cache-control', 'private, no-store');
    done(null, payload);
  });
  app.addHook('onClose', async () => {
    await sweeper.stop();
    await relay.stop();
    await progress.close();
    await starts.close();
    await autosaves.close();
  });

  await app.register(quizzesRoutes, { service: quizzes });
  await app.register(attemptsRoutes, { service: attempts });
};
