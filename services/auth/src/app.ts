import {
  createHttpApp,
  openInfrastructure,
  openJobQueue,
  watchInfrastructure,
  type Infrastructure,
} from '@lectern/kit';
import type { JWTVerifyGetKey } from 'jose';
import { bootstrapAdmin } from './accounts.js';
import type { AuthConfig } from './config.js';
import { migrateAuth } from './migrate.js';
import { authService } from './plugin.js';
import { loadAuthKeys, type AuthKeys } from './signing-keys.js';

export interface BuildAppOverrides {
  /** Shared infrastructure; when absent the app opens its own and closes it on close. */
  infrastructure?: Infrastructure;
  /** Signing keys; loaded from config when absent. */
  keys?: AuthKeys;
  /** Verification keys for incoming access tokens; the app's own keys when absent. */
  getKey?: JWTVerifyGetKey;
  logger?: boolean;
}

/** The standalone auth service: migrated, admin bootstrapped, routes registered. It never listens. */
export async function buildApp(config: AuthConfig, overrides: BuildAppOverrides = {}) {
  const ownsInfrastructure = overrides.infrastructure === undefined;
  // Run apart (cluster, Swarm), the service only enqueues: apps/worker sends the mail.
  const infrastructure =
    overrides.infrastructure ?? (await openInfrastructure(config, 'auth', { jobs: 'enqueue' }));
  let keys: AuthKeys;
  let admin: Awaited<ReturnType<typeof bootstrapAdmin>>;
  try {
    await migrateAuth(infrastructure.database);
    keys = overrides.keys ?? (await loadAuthKeys(config));
    admin = await bootstrapAdmin(infrastructure.database, config);
  } catch (error) {
    if (ownsInfrastructure) await infrastructure.close();
    throw error;
  }

  const app = await createHttpApp({
    config,
    name: 'auth',
    redis: infrastructure.redis,
    getKey: overrides.getKey ?? keys.getKey,
    docsPrefix: '/api/auth/docs',
    healthAliases: ['/api/auth/health'],
    ...(overrides.logger === undefined ? {} : { logger: overrides.logger }),
  });
  if (ownsInfrastructure) app.addHook('onClose', () => infrastructure.close());
  watchInfrastructure(app, infrastructure);
  if (admin) {
    app.log.info(
      { event: 'admin_bootstrap', user_id: admin.account.id, created: admin.created },
      'ADMIN_EMAIL is an admin',
    );
  }
  if (config.NODE_ENV === 'production' && (keys.source === 'DATA_DIR' || keys.source === 'memory')) {
    app.log.warn(
      { event: 'signing_key', source: keys.source, kid: keys.signing.kid },
      'signing access tokens with a generated key: replicas on other machines need JWT_PRIVATE_KEY_FILE',
    );
  }
  let jobs = infrastructure.jobs;
  if (!jobs) {
    const ownJobs = await openJobQueue(config, infrastructure.database, 'auth', 'enqueue');
    app.addHook('onClose', () => ownJobs.close());
    jobs = ownJobs;
  }
  await app.register(authService, {
    config,
    database: infrastructure.database,
    cache: infrastructure.cache,
    keys,
    jobs,
  });
  return app;
}
