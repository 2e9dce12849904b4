import type { FastifyPluginAsync } from 'fastify';
import {
  authenticated,
  httpInternalFetch,
  loadSigningKeys,
  type Cache,
  type Database,
  type InternalFetch,
  type JobQueue,
} from '@lectern/kit';
import { AnalyticsRepository } from './analytics/analytics.repository.js';
import { AnalyticsService } from './analytics/analytics.service.js';
import { CertificatesRepository } from './certificates/certificates.repository.js';
import { CertificateDocuments, CertificatesService } from './certificates/certificates.service.js';
import { registerProgressJobs } from './jobs/progress.jobs.js';
import { analyticsRoutes } from './routes/analytics.routes.js';
import { certificateRoutes } from './routes/certificates.routes.js';
import { AuthClient } from './auth.client.js';
import { CompletionBatcher } from './completions.batcher.js';
import type { ProgressConfig } from './config.js';
import { CoursesClient, httpFetchCourses, type FetchCourses } from './courses.client.js';
import { EnrollmentBatcher } from './enrollments.batcher.js';
import { ProgressRepository } from './progress.repository.js';
import { ProgressService } from './progress.service.js';
import { internalRoutes } from './routes/internal.routes.js';
import { progressRoutes, publicProgressRoutes } from './routes/progress.routes.js';

export interface ProgressServiceOptions {
  config: Pick<
    ProgressConfig,
    | 'COURSES_URL'
    | 'AUTH_URL'
    | 'COURSES_TIMEOUT_MS'
    | 'PROGRESS_LOOKUP_TTL_WITHOUT_REDIS_MS'
    | 'ENROLL_BATCH_MAX'
    | 'PROGRESS_BATCH_MAX'
    | 'PROGRESS_BATCH_WINDOW_MS'
    | 'PROGRESS_BATCH_WRITES'
    | 'DATA_DIR'
    | 'PUBLIC_URL'
    | 'CERTIFICATE_ISSUER_NAME'
    | 'CREDENTIAL_PRIVATE_KEY_FILE'
    | 'CREDENTIAL_PRIVATE_KEY'
    | 'CREDENTIAL_PUBLIC_KEYS_FILE'
  >;
  /** The database holding the progress schema (migrated by migrateProgress). */
  database: Database;
  /** Where courses' answers are cached (namespace 'course-outlines', which courses invalidates). */
  cache: Cache;
  /** Replaces the whole courses client (tests). */
  coursesClient?: CoursesClient;
  /** How to reach the courses API; default `fetch` against COURSES_URL. All-in-one passes one over `app.inject`. */
  fetchCourses?: FetchCourses;
  /** How to reach the auth API's /internal endpoints; default `fetch` against AUTH_URL. All-in-one: `app.inject`. */
  fetchAuth?: InternalFetch;
  /** Where certificate PDFs are enqueued (and, in a process that works jobs, made); null: made on first download. */
  jobs?: JobQueue | null;
  /** How often pending certificate checks are drained even without a new completion (a crash's leftovers). */
  certificateDrainIntervalMs?: number;
}

/**
 * Progress routes, registered at the root: every public route needs an access token; nothing is cached by anyone.
 * The /internal routes (assessments) take the user id in the body and are never routed by nginx.
 */
export const progressService: FastifyPluginAsync<ProgressServiceOptions> = async (app, options) => {
  const { config, database, cache } = options;
  const repository = new ProgressRepository(database);
  const coursesClient =
    options.coursesClient ??
    new CoursesClient(
      cache,
      options.fetchCourses ?? httpFetchCourses(config.COURSES_URL, config.COURSES_TIMEOUT_MS),
      config.PROGRESS_LOOKUP_TTL_WITHOUT_REDIS_MS,
    );
  const auth = new AuthClient(
    options.fetchAuth ?? httpInternalFetch(config.AUTH_URL, config.COURSES_TIMEOUT_MS),
  );
  const keys = await loadSigningKeys({
    names: {
      file: 'CREDENTIAL_PRIVATE_KEY_FILE',
      inline: 'CREDENTIAL_PRIVATE_KEY',
      publicKeys: 'CREDENTIAL_PUBLIC_KEYS_FILE',
    },
    privateKeyFile: config.CREDENTIAL_PRIVATE_KEY_FILE,
    privateKey: config.CREDENTIAL_PRIVATE_KEY,
    publicKeysFile: config.CREDENTIAL_PUBLIC_KEYS_FILE,
    dataDir: config.DATA_DIR,
    generatedFile: 'credential-ed25519.pem',
  });
  const jobs = options.jobs ?? null;
  const certificatesRepository = new CertificatesRepository(database);
  const documents = jobs
    ? await registerProgressJobs(jobs, { database, publicUrl: config.PUBLIC_URL })
    : new CertificateDocuments(certificatesRepository, config.PUBLIC_URL);
  const certificates = new CertificatesService(
    database,
    certificatesRepository,
    repository,
    coursesClient,
    auth,
    documents,
    { publicUrl: config.PUBLIC_URL, issuerName: config.CERTIFICATE_ISSUER_NAME, keys, jobs },
  );
  const drainCertificates = (): void => {
    certificates.drain().catch((error: unknown) => {
      app.log.warn({ err: error, event: 'certificate_drain_failed' }, 'certificates wait for the next drain');
    });
  };
  const drainTimer = setInterval(drainCertificates, options.certificateDrainIntervalMs ?? 10_000);
  drainTimer.unref();

  const batcher = new CompletionBatcher(
    async (completions) => {
      if ((await repository.insertCompletions(completions)) > 0) drainCertificates();
    },
    {
      maxBatch: config.PROGRESS_BATCH_MAX,
      windowMs: config.PROGRESS_BATCH_WINDOW_MS,
      maxWrites: config.PROGRESS_BATCH_WRITES,
    },
  );
  const seats = new EnrollmentBatcher(repository, {
    maxBatch: config.ENROLL_BATCH_MAX,
    windowMs: config.PROGRESS_BATCH_WINDOW_MS,
    maxWrites: config.PROGRESS_BATCH_WRITES,
  });
  const service = new ProgressService(repository, coursesClient, batcher, seats, auth);

  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('cache-control', 'private, no-store');
    done(null, payload);
  });
  // Completions still being checked first, while both batchers take work: a check may still have to ask for a
  // seat (its enrolment) before it queues the completion. Then enrolments, then completions.
  app.addHook('onClose', async () => {
    await service.settleChecks();
    await seats.close();
    await batcher.close();
    clearInterval(drainTimer);
    await certificates.drain().catch(() => undefined);
  });

  await app.register(async (publicApi) => {
    // Before validation, so a caller without a valid token learns nothing about the request but the 401.
    publicApi.addHook('onRequest', authenticated);
    await publicApi.register(progressRoutes, { service });
    await publicApi.register(analyticsRoutes, {
      analytics: new AnalyticsService(new AnalyticsRepository(database), (user, courseId) =>
        service.ownedOutline(user, courseId),
      ),
    });
  });
  await app.register(publicProgressRoutes, { service });
  await app.register(certificateRoutes, { certificates });
  await app.register(internalRoutes, { service });
};
