import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SessionStates, type Cache, type Database, type JobQueue, type LoadSessionState } from '@lectern/kit';
import type { FastifyPluginAsync } from 'fastify';
import { hashConcurrency, hashParameters } from './accounts.js';
import { AccessTokenIssuer } from './access-token.issuer.js';
import type { AuthConfig } from './config.js';
import { EmailVerificationService } from './email-verification.service.js';
import { IdentitiesRepository } from './identities.repository.js';
import { accountMailService, registerAuthJobs } from './jobs/auth.jobs.js';
import { OidcClient } from './oidc.client.js';
import { loadOidcProviders } from './oidc-providers.config.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import { PasswordHasher } from './password.hasher.js';
import { PasswordResetService } from './password-reset.service.js';
import { accountMailRoutes } from './routes/account-mail.routes.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { authRoutes } from './routes/auth.routes.js';
import { internalRoutes } from './routes/internal.routes.js';
import { keysRoutes } from './routes/keys.routes.js';
import { LoginFlowCookie } from './routes/oidc-flow-cookie.js';
import { oidcRoutes, redirectUri } from './routes/oidc.routes.js';
import { usersRoutes } from './routes/users.routes.js';
import { SessionsService } from './sessions.service.js';
import { SsoService } from './sso.service.js';
import { loadAuthKeys, type AuthKeys } from './signing-keys.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

export interface AuthServiceOptions {
  config: AuthConfig;
  /** The database holding the auth schema (migrated by migrateAuth). */
  database: Database;
  /** The job queue account mail goes through; the auth jobs are registered on it. */
  jobs: JobQueue;
  /** The shared cache, where users' session states live for every service's writes and admin routes. */
  cache: Cache;
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
  const { config, database, jobs } = options;
  const keys = options.keys ?? (await loadAuthKeys(config));
  const hasher = await PasswordHasher.create({
    parameters: hashParameters(config),
    concurrency: hashConcurrency(config),
    maxWaiting: config.PASSWORD_HASH_QUEUE_MAX,
  });
  const usersRepository = new UsersRepository(database.db);
  const refreshTokens = new RefreshTokensRepository(database.db);
  const loadSessionState: LoadSessionState = async (userId) => {
    const user = await usersRepository.findById(userId);
    return user ? { role: user.role, session_version: user.sessionVersion } : null;
  };
  const states = new SessionStates(options.cache, loadSessionState);
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
    states,
    log: app.log,
  });
  const mailer = await registerAuthJobs(jobs, { config, database, log: app.log });
  app.addHook('onClose', () => mailer.close());
  const accountMail = accountMailService(config, database, jobs);
  const oneTimeTokens = new OneTimeTokensRepository(database.db);
  const users = new UsersService(usersRepository, hasher, sessions, accountMail);
  const passwordReset = new PasswordResetService({
    users: usersRepository,
    tokens: oneTimeTokens,
    sessions,
    hasher,
    jobs,
    log: app.log,
  });
  const emailVerification = new EmailVerificationService(usersRepository, oneTimeTokens, accountMail);
  const providers = await loadOidcProviders(config);
  const sso = new SsoService({
    clients: providers.map(
      (provider) => new OidcClient(provider, redirectUri(config.PUBLIC_URL, provider.id)),
    ),
    users: usersRepository,
    identities: new IdentitiesRepository(database.db),
    sessions,
    log: app.log,
  });

  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  authRoutes(routes, {
    users,
    sessions,
    attempts: { max: config.AUTH_RATE_LIMIT_MAX, windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS },
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    accountAttempts: {
      max: config.AUTH_ACCOUNT_RATE_LIMIT_MAX,
      windowMs: config.AUTH_ACCOUNT_RATE_LIMIT_WINDOW_MS,
    },
  });
  accountMailRoutes(routes, {
    passwordReset,
    emailVerification,
    attempts: { max: config.AUTH_RATE_LIMIT_MAX, windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS },
    mailPerHour: config.ACCOUNT_MAIL_PER_HOUR,
  });
  oidcRoutes(routes, {
    sso,
    flowCookie: new LoginFlowCookie(
      keys,
      config.JWT_ISSUER,
      config.JWT_AUDIENCE,
      config.PUBLIC_URL.startsWith('https:'),
    ),
    publicUrl: config.PUBLIC_URL,
    attempts: { max: config.AUTH_RATE_LIMIT_MAX, windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS },
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  usersRoutes(routes, { users, states });
  internalRoutes(routes, { loadSessionState, users });
  keysRoutes(routes, { jwks: keys.jwks });

  // Expired refresh tokens stay a day (a replayed one still revokes its family), then the sweep deletes them.
  const sweep = setInterval(() => {
    void (async () => {
      const before = new Date(Date.now() - EXPIRED_TOKENS_GRACE_MS);
      while ((await refreshTokens.deleteExpired(before, EXPIRED_TOKENS_BATCH)) === EXPIRED_TOKENS_BATCH);
      await oneTimeTokens.deleteExpired(before);
    })().catch((error: unknown) => app.log.warn({ err: error }, 'could not delete expired refresh tokens'));
  }, HOUR_MS);
  sweep.unref();
  app.addHook('onClose', () => clearInterval(sweep));
};
