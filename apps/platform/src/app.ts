import { resolve } from 'node:path';
import { authService, loadAuthKeys, migrateAuth, bootstrapAdmin } from '@lectern/auth';
import { assessmentsService, migrateAssessments } from '@lectern/assessments';
import { coursesService, migrateCourses } from '@lectern/courses';
import {
  createHttpApp,
  injectTransport,
  openInfrastructure,
  openJobQueue,
  SessionStates,
  sessionStateLoader,
  watchInfrastructure,
  type Database,
  type HttpApp,
  type Infrastructure,
  type InternalFetch,
} from '@lectern/kit';
import { migrateProgress, progressService } from '@lectern/progress';
import type { PlatformConfig } from './config.js';
import { refuseDemoAccountsInProduction } from './demo-data.js';
import { registerWebApp } from './web-app.js';

export async function migrateAll(database: Database): Promise<void> {
  await migrateAuth(database);
  await migrateCourses(database);
  await migrateProgress(database);
  await migrateAssessments(database);
}

export interface PlatformOverrides {
  infrastructure?: Infrastructure;
  logger?: boolean;
}

/**
 * The all-in-one process: one HTTP app, one database handle and cache, the four services, the web app, and the
 * job queue's worker (jobs run here, on the same database, PGlite included).
 */
export async function buildPlatform(
  config: PlatformConfig,
  overrides: PlatformOverrides = {},
): Promise<{ app: HttpApp; infrastructure: Infrastructure }> {
  const ownsInfrastructure = overrides.infrastructure === undefined;
  const infrastructure =
    overrides.infrastructure ?? (await openInfrastructure(config, 'platform', { jobs: 'work' }));
  try {
    const { database } = infrastructure;
    await migrateAll(database);
    await refuseDemoAccountsInProduction(database, config);
    const keys = await loadAuthKeys(config);
    const app = await createHttpApp({
      config,
      name: 'platform',
      redis: infrastructure.redis,
      getKey: keys.getKey,
      docsPrefix: '/api/docs',
      // Its one port is the public one: services reach each other's /internal/ routes through app.inject.
      internalRoutes: 'in-process',
      healthAliases: [
        '/api/auth/health',
        '/api/courses/health',
        '/api/progress/health',
        '/api/assessments/health',
      ],
      ...(overrides.logger === undefined ? {} : { logger: overrides.logger }),
    });
    if (ownsInfrastructure) app.addHook('onClose', () => infrastructure.close());
    let jobs = infrastructure.jobs;
    if (!jobs) {
      const ownJobs = await openJobQueue(config, database, 'platform', 'work');
      app.addHook('onClose', () => ownJobs.close(config.SHUTDOWN_GRACE_MS));
      jobs = ownJobs;
    }
    watchInfrastructure(app, infrastructure);
    await bootstrapAdmin(database, config);

    /** The services' internal APIs in this same process: no socket, no serialization round trip but JSON's. */
    const injectInternal: InternalFetch = async (path, request = {}) => {
      const response = await app.inject({
        method: request.method ?? 'GET',
        url: path,
        ...(request.body === undefined ? {} : { payload: request.body as object }),
      });
      return { status: response.statusCode, body: response.body === '' ? null : response.json<unknown>() };
    };
    await app.register(authService, { config, database, cache: infrastructure.cache, keys, jobs });
    const loadSessionState = sessionStateLoader(async (path) => {
      const response = await app.inject({ method: 'GET', url: path });
      return { status: response.statusCode, body: () => response.json<unknown>() };
    });
    await app.register(coursesService, {
      database,
      cache: infrastructure.cache,
      publicMaxAgeSeconds: config.COURSES_PUBLIC_MAX_AGE_SECONDS,
      sessionStates: new SessionStates(infrastructure.cache, loadSessionState),
      staleIfErrorSeconds: config.COURSES_STALE_IF_ERROR_SECONDS,
    });
    await app.register(progressService, {
      config,
      database,
      cache: infrastructure.cache,
      fetchCourses: injectInternal,
      fetchAuth: injectInternal,
      jobs,
    });
    // Assessments reaches courses' and progress's /internal routes in this same process, without a socket.
    const internal = injectTransport(app);
    await app.register(assessmentsService, {
      config,
      database,
      cache: infrastructure.cache,
      courses: internal,
      progress: internal,
    });
    const served = await registerWebApp(app, resolve(config.WEB_ROOT));
    if (!served)
      app.log.warn({ webRoot: config.WEB_ROOT }, 'web app not built: run `npm run build` to serve it');
    return { app, infrastructure };
  } catch (error) {
    if (ownsInfrastructure) await infrastructure.close();
    throw error;
  }
}
