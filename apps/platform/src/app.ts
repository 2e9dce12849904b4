import { resolve } from 'node:path';
import { authService, loadAuthKeys, migrateAuth, bootstrapAdmin } from '@lectern/auth';
import { coursesService, migrateCourses } from '@lectern/courses';
import {
  createHttpApp,
  openInfrastructure,
  watchInfrastructure,
  type Database,
  type HttpApp,
  type Infrastructure,
} from '@lectern/kit';
import { migrateProgress, progressService } from '@lectern/progress';
import type { PlatformConfig } from './config.js';
import { registerWebApp } from './web-app.js';

export async function migrateAll(database: Database): Promise<void> {
  await migrateAuth(database);
  await migrateCourses(database);
  await migrateProgress(database);
}

export interface PlatformOverrides {
  infrastructure?: Infrastructure;
  logger?: boolean;
}

/** The all-in-one process: one HTTP app, one database handle and cache, the three services, the web app. */
export async function buildPlatform(
  config: PlatformConfig,
  overrides: PlatformOverrides = {},
): Promise<{ app: HttpApp; infrastructure: Infrastructure }> {
  const ownsInfrastructure = overrides.infrastructure === undefined;
  const infrastructure = overrides.infrastructure ?? (await openInfrastructure(config, 'platform'));
  try {
    const { database } = infrastructure;
    await migrateAll(database);
    const keys = await loadAuthKeys(config);
    const app = await createHttpApp({
      config,
      name: 'platform',
      redis: infrastructure.redis,
      getKey: keys.getKey,
      docsPrefix: '/api/docs',
      healthAliases: ['/api/auth/health', '/api/courses/health', '/api/progress/health'],
      ...(overrides.logger === undefined ? {} : { logger: overrides.logger }),
    });
    if (ownsInfrastructure) app.addHook('onClose', () => infrastructure.close());
    watchInfrastructure(app, infrastructure);
    await bootstrapAdmin(database, config);

    await app.register(authService, { config, database, keys });
    await app.register(coursesService, {
      database,
      cache: infrastructure.cache,
      publicMaxAgeSeconds: config.COURSES_PUBLIC_MAX_AGE_SECONDS,
    });
    await app.register(progressService, {
      config,
      database,
      cache: infrastructure.cache,
      fetchCourses: async (path: string) => {
        const response = await app.inject({ method: 'GET', url: path });
        return { status: response.statusCode, body: response.json<unknown>() };
      },
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
