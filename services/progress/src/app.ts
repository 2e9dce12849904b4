import type { JWTVerifyGetKey } from 'jose';
import {
  createHttpApp,
  openInfrastructure,
  openJobQueue,
  remoteKeySet,
  watchInfrastructure,
  type Infrastructure,
  type InternalFetch,
} from '@lectern/kit';
import type { ProgressConfig } from './config.js';
import type { FetchCourses } from './courses.client.js';
import { migrateProgress } from './migrate.js';
import { progressService } from './plugin.js';

export interface BuildAppOverrides {
  /** Shared infrastructure; the app then leaves closing it to the caller. */
  infrastructure?: Infrastructure;
  /** The auth service's public keys; default AUTH_JWKS_URL. */
  getKey?: JWTVerifyGetKey;
  logger?: boolean;
  /** How to reach the courses API; default `fetch` against COURSES_URL. */
  fetchCourses?: FetchCourses;
  /** How to reach the auth API's /internal endpoints; default `fetch` against AUTH_URL. */
  fetchAuth?: InternalFetch;
}

function keysFrom(config: ProgressConfig): JWTVerifyGetKey {
  if (!config.AUTH_JWKS_URL) {
    throw new Error('AUTH_JWKS_URL is required to verify access tokens when the progress service runs alone');
  }
  return remoteKeySet(config.AUTH_JWKS_URL);
}

/** The standalone progress service: infrastructure, migrations, the kit's HTTP app and the progress routes. */
export async function buildApp(config: ProgressConfig, overrides: BuildAppOverrides = {}) {
  const getKey = overrides.getKey ?? keysFrom(config);
  const infrastructure =
    overrides.infrastructure ?? (await openInfrastructure(config, 'progress', { jobs: 'enqueue' }));
  const ownsInfrastructure = overrides.infrastructure === undefined;
  try {
    await migrateProgress(infrastructure.database);
    const app = await createHttpApp({
      config,
      name: 'progress',
      redis: infrastructure.redis,
      getKey,
      docsPrefix: '/api/progress/docs',
      healthAliases: ['/api/progress/health'],
      ...(overrides.logger === undefined ? {} : { logger: overrides.logger }),
    });
    if (ownsInfrastructure) app.addHook('onClose', () => infrastructure.close());
    watchInfrastructure(app, infrastructure);
    let jobs = infrastructure.jobs;
    if (!jobs) {
      const ownJobs = await openJobQueue(config, infrastructure.database, 'progress', 'enqueue');
      app.addHook('onClose', () => ownJobs.close());
      jobs = ownJobs;
    }
    await app.register(progressService, {
      config,
      database: infrastructure.database,
      cache: infrastructure.cache,
      fetchCourses: overrides.fetchCourses,
      fetchAuth: overrides.fetchAuth,
      jobs,
    });
    return app;
  } catch (error) {
    if (ownsInfrastructure) await infrastructure.close();
    throw error;
  }
}
