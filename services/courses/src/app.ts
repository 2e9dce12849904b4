import {
  authServiceUrl,
  createHttpApp,
  httpSessionStateLoader,
  openInfrastructure,
  remoteKeySet,
  SessionStates,
  watchInfrastructure,
  type HttpAppOptions,
  type Infrastructure,
  type LoadSessionState,
} from '@lectern/kit';
import type { CoursesConfig } from './config.js';
import { migrateCourses } from './migrate.js';
import { coursesService } from './plugin.js';

export interface BuildAppOverrides {
  /** Shared infrastructure; buildApp then leaves closing it to the caller. */
  infrastructure?: Infrastructure;
  /** The auth service's public keys; default: AUTH_JWKS_URL. */
  getKey?: HttpAppOptions['getKey'];
  /** How to read a user's current role and session version; default: auth's internal API at AUTH_JWKS_URL's origin. */
  loadSessionState?: LoadSessionState;
  logger?: boolean;
}

/** The courses service as its own process: kit app + migrations + routes. Never listens. */
export async function buildApp(config: CoursesConfig, overrides: BuildAppOverrides = {}) {
  const getKey = overrides.getKey ?? (config.AUTH_JWKS_URL ? remoteKeySet(config.AUTH_JWKS_URL) : undefined);
  if (!getKey)
    throw new Error('AUTH_JWKS_URL is required: the courses service verifies access tokens with it');
  const loadSessionState =
    overrides.loadSessionState ??
    (config.AUTH_JWKS_URL ? httpSessionStateLoader(authServiceUrl(config.AUTH_JWKS_URL)) : undefined);
  if (!loadSessionState) throw new Error('AUTH_JWKS_URL is required: writes check sessions with auth');

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
      sessionStates: new SessionStates(infrastructure.cache, loadSessionState),
      staleIfErrorSeconds: config.COURSES_STALE_IF_ERROR_SECONDS,
    });
    return app;
  } catch (error) {
    if (ownsInfrastructure) await infrastructure.close();
    throw error;
  }
}
