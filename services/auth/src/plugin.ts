import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Database } from '@lectern/kit';
import type { FastifyPluginAsync } from 'fastify';
import { hashConcurrency, hashParameters } from './accounts.js';
import { AccessTokenIssuer } from './access-token.issuer.js';
import type { AuthConfig } from './config.js';
import { PasswordHasher } from './password.hasher.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { authRoutes } from './routes/auth.routes.js';
import { keysRoutes } from './routes/keys.routes.js';
import { usersRoutes } from './routes/users.routes.js';
import { SessionsService } from './sessions.service.js';
import { loadAuthKeys, type AuthKeys } from './signing-keys.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

export interface AuthServiceOptions {
  config: AuthConfig;
  /** The database holding the auth schema (migrated by migrateAuth). */
  database: Database;
  /**
   * The signing and verification keys; give the same object whose getKey the http app verifies tokens with.
   * Loaded from config (loadAuthKeys) when absent.
   */
  keys?: AuthKeys;
}

const HOUR_MS = 3_600_000;
const EXPIRED_TOKENS_GRACE_MS = 24 * HOUR_MS;
const EXPIRED_TOKENS_BATCH = 1000;

/**
 * The auth service's routes under /api/auth: accounts, sessions (login, refresh, logout), admin and JWKS.
 * Encapsulated: it decorates nothing outside itself, so the platform can register it beside the others.
 */
export const authService: FastifyPluginAsync<AuthServiceOptions> = async (app, options) => {
  const { config, database } = options;
  const keys = options.keys ?? (await loadAuthKeys(config));
  const hasher = await PasswordHasher.create({
    parameters: hashParameters(config),
    concurrency: hashConcurrency(config),
    maxWaiting: config.PASSWORD_HASH_QUEUE_MAX,
  });
  const usersRepository = new UsersRepository(database.db);
  const refreshTokens = new RefreshTokensRepository(database.db);
  const users = new UsersService(usersRepository, hasher);
  const sessions = new SessionsService({
    users: usersRepository,
    refreshTokens,
    hasher,
    accessTokens: new AccessTokenIssuer({
      keys,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    }),
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    log: app.log,
  });

  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  authRoutes(routes, {
    users,
    sessions,
    attempts: { max: config.AUTH_RATE_LIMIT_MAX, windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS },
  });
  usersRoutes(routes, { users });
  keysRoutes(routes, { jwks: keys.jwks });

  // Expired refresh tokens stay a day (a replayed one still revokes its family), then the sweep deletes them.
  const sweep = setInterval(() => {
    void (async () => {
      const before = new Date(Date.now() - EXPIRED_TOKENS_GRACE_MS);
      while ((await refreshTokens.deleteExpired(before, EXPIRED_TOKENS_BATCH)) === EXPIRED_TOKENS_BATCH);
    })().catch((error: unknown) => app.log.warn({ err: error }, 'could not delete expired refresh tokens'));
  }, HOUR_MS);
  sweep.unref();
  app.addHook('onClose', () => clearInterval(sweep));
};
