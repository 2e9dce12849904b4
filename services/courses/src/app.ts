import {
  createHttpApp,
  openInfrastructure,
  remoteKeySet,
  watchInfrastructure,
  type HttpAppOptions,
  type Infrastructure,
} from '@lectern/kit';
import type { CoursesConfig } from './config.js';
import { migrateCourses } from './migrate.js';
import { coursesService } from './plugin.js';

export interface BuildAppOverrides {
  /** Shared infrastructure; buildApp then leaves closing it to the caller. */
  infrastructure?: Infrastructure;
  /** The auth service's public keys; default: AUTH_JWKS_URL. */
  getKey?: HttpAppOptions['getKey'];
  logger?: boolean;
}

/** The courses service as its own process: kit app + migrations + routes. Never listens. */
export async function buildApp(config: CoursesConfig, overrides: BuildAppOverrides = {}) {
  const getKey = overrides.getKey ?? (config.AUTH_JWKS_URL ? remoteKeySet(config.AUTH_JWKS_URL) : undefined);
  if (!getKey)
    throw new Error('AUTH_JWKS_URL is required: the courses service verifies access tokens with it');

  const infrastructure = overrides.infrastructure ?? (await openInfrastructure(config, 'courses'));
  const ownsInfrastructure = overrides.infrastructure === undefined;
  try {
    await migrateCourses(infrastructure.database);
    const app = await createHttpApp({
      config,
      name: 'courses',
      redis: infrastructure.redis,
      getKey,
      docsPrefix: '/api/courses/docs',
      healthAliases: ['/api/courses/health'],
      ...(overrides.logger === undefined ? {} : { logger: overrides.logger }),
    });
    if (ownsInfrastructure) app.addHook('onClose', () => infrastructure.close());
    watchInfrastructure(app, infrastructure);
    await app.register(coursesService, {
      database: infrastructure.database,
      cache: infrastructure.cache,
      publicMaxAgeSeconds: config.COURSES_PUBLIC_MAX_AGE_SECONDS,
    });
    return app;
  } catch (error) {
    if (ownsInfrastructure) await infrastructure.close();
    throw error;
  }
}
