import type { JWTVerifyGetKey } from 'jose';
import {
  createHttpApp,
  httpTransport,
  openInfrastructure,
  remoteKeySet,
  watchInfrastructure,
  type Infrastructure,
  type InternalTransport,
} from '@lectern/kit';
import type { AssessmentsConfig } from './config.js';
import { migrateAssessments } from './migrate.js';
import { assessmentsService } from './plugin.js';

export interface BuildAppOverrides {
  /** Shared infrastructure; the app then leaves closing it to the caller. */
  infrastructure?: Infrastructure;
  /** The auth service's public keys; default AUTH_JWKS_URL. */
  getKey?: JWTVerifyGetKey;
  logger?: boolean;
  /** How to reach courses; default fetch against COURSES_URL. */
  courses?: InternalTransport;
  /** How to reach progress; default fetch against PROGRESS_URL. */
  progress?: InternalTransport;
}

function keysFrom(config: AssessmentsConfig): JWTVerifyGetKey {
  if (!config.AUTH_JWKS_URL) {
    throw new Error(
      'AUTH_JWKS_URL is required to verify access tokens when the assessments service runs alone',
    );
  }
  return remoteKeySet(config.AUTH_JWKS_URL);
}

/** The standalone assessments service: infrastructure, migrations, the kit's HTTP app and the quiz routes. */
export async function buildApp(config: AssessmentsConfig, overrides: BuildAppOverrides = {}) {
  const getKey = overrides.getKey ?? keysFrom(config);
  const infrastructure = overrides.infrastructure ?? (await openInfrastructure(config, 'assessments'));
  const ownsInfrastructure = overrides.infrastructure === undefined;
  try {
    await migrateAssessments(infrastructure.database);
    const app = await createHttpApp({
      config,
      name: 'assessments',
      redis: infrastructure.redis,
      getKey,
      docsPrefix: '/api/assessments/docs',
      healthAliases: ['/api/assessments/health'],
      ...(overrides.logger === undefined ? {} : { logger: overrides.logger }),
    });
    if (ownsInfrastructure) app.addHook('onClose', () => infrastructure.close());
    watchInfrastructure(app, infrastructure);
    await app.register(assessmentsService, {
      config,
      database: infrastructure.database,
      cache: infrastructure.cache,
      courses: overrides.courses ?? httpTransport(config.COURSES_URL, config.INTERNAL_TIMEOUT_MS),
      progress: overrides.progress ?? httpTransport(config.PROGRESS_URL, config.INTERNAL_TIMEOUT_MS),
    });
    return app;
  } catch (error) {
    if (ownsInfrastructure) await infrastructure.close();
    throw error;
  }
}
