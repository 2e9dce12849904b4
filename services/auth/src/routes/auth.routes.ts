import { bearerSecurity, requireUser } from '@lectern/kit';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canonicalEmail } from '../credentials.policy.js';
import type { SessionsService } from '../sessions.service.js';
import type { UsersService } from '../users.service.js';
import { attemptLimit, clientNetwork, emailBucket, perIpLimits } from './attempt-limits.js';
import { authErrors } from '../auth.errors.js';
import type { TokenPair as TokenPairAnswer } from '../sessions.service.js';
import { refreshTokenFromCookie, setRefreshCookie, wantsRefreshCookie } from './refresh-cookie.js';
import { strictBody } from './strict-body.js';
import {
  Account,
  Credentials,
  problemResponses,
  RefreshTokenBody,
  RegisteredUser,
  Registration,
  TokenPair,
} from './auth.schemas.js';
import type { AuthApp } from './auth-app.js';

export interface AuthRoutesOptions {
  users: UsersService;
  sessions: SessionsService;
  /** AUTH_RATE_LIMIT_MAX attempts per AUTH_RATE_LIMIT_WINDOW_MS, per client IP and (login) per email and IP. */
  attempts: { max: number; windowMs: number };
  /** Login attempts for one email from every IP together: the higher bound against distributed guessing. */
  accountAttempts: { max: number; windowMs: number };
  /** The refresh cookie's Max-Age: the refresh token's lifetime. */
  refreshTtlSeconds: number;
}

/** Token answers must never sit in a cache (RFC 6749 §5.1). */
function noStore(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export function authRoutes(app: AuthApp, options: AuthRoutesOptions): void {
  const { users, sessions, attempts, accountAttempts, refreshTtlSeconds } = options;
  /** In cookie mode the refresh token goes into the HttpOnly cookie and out of the JSON. */
  const answerPair = (
    request: FastifyRequest,
    reply: FastifyReply,
    pair: TokenPairAnswer,
    cookie: boolean,
  ) => {
    noStore(reply);
    if (!cookie) return pair;
    setRefreshCookie(request, reply, pair.refresh_token, refreshTtlSeconds);
    return { access_token: pair.access_token, token_type: pair.token_type, expires_in: pair.expires_in };
  };
  const perIp = perIpLimits(app, attempts, { showHeaders: true });
  const accountOf = (request: FastifyRequest) =>
    emailBucket(canonicalEmail((request.body as { email: string }).email));
  // Strict per email and client network: one source guessing one account. Across sources only a much higher
  // bound, so a few failures from strangers' addresses never lock the owner out, while guessing one account
  // from many addresses stays throttled.
  const perEmailAndIp = attemptLimit(app, {
    name: 'auth:login-email-ip',
    max: attempts.max,
    windowMs: attempts.windowMs,
    key: (request) => `${accountOf(request)}:${clientNetwork(request.ip)}`,
  });
  const perAccount = attemptLimit(app, {
    name: 'auth:login-account',
    max: accountAttempts.max,
    windowMs: accountAttempts.windowMs,
    key: accountOf,
  });
  // These routes count attempts themselves (per IP, then per email), instead of the kit's per-user limit.
  const ownLimits = { rateLimit: false } as const;

  app.post(
    '/api/auth/register',
    {
      config: ownLimits,
      preValidation: strictBody(Registration),
      preHandler: [perIp('auth:register-ip')],
      schema: {
        tags: ['auth'],
        summary: 'Create a student account; a verification mail goes to the address',
        description: `${attempts.max} attempts per ${attempts.windowMs / 1000} s per client IP.`,
        body: Registration,
        response: { 201: RegisteredUser, ...problemResponses },
      },
    },
    async (request, reply) => {
      const account = await users.register(request.body);
      return reply.code(201).send(account);
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: ownLimits,
      preValidation: strictBody(Credentials),
      preHandler: [perIp('auth:login-ip'), perEmailAndIp, perAccount],
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for an access token and a refresh token',
        description:
          `${attempts.max} attempts per ${attempts.windowMs / 1000} s per client IP and per email from one IP; ` +
          `${accountAttempts.max} per ${accountAttempts.windowMs / 1000} s per email from all IPs. ` +
          'An unknown email and a wrong password get the same 401. ' +
          'With "X-Refresh-Token-Mode: cookie" (browsers) the refresh token comes as the HttpOnly, SameSite=Strict ' +
          'lectern_refresh cookie for /api/auth/refresh and /api/auth/logout, not in the JSON.',
        body: Credentials,
        response: { 200: TokenPair, ...problemResponses },
      },
    },
    async (request, reply) =>
      answerPair(request, reply, await sessions.login(request.body), wantsRefreshCookie(request)),
  );

  app.post(
    '/api/auth/refresh',
    {
      preValidation: strictBody(RefreshTokenBody),
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token for a new pair; a reused refresh token revokes its whole session',
        description:
          'The refresh token comes in the body, or in the HttpOnly lectern_refresh cookie set by a login with ' +
          '"X-Refresh-Token-Mode: cookie"; a cookie answer sets the next cookie instead of the JSON field.',
        body: RefreshTokenBody,
        response: { 200: TokenPair, ...problemResponses },
      },
    },
    async (request, reply) => {
      const fromBody = request.body.refresh_token;
      const token = fromBody ?? refreshTokenFromCookie(request);
      if (token === undefined) throw authErrors.invalidRefreshToken();
      const cookie = fromBody === undefined || wantsRefreshCookie(request);
      try {
        return answerPair(request, reply, await sessions.refresh(token), cookie);
      } catch (error) {
        if (cookie) setRefreshCookie(request, reply, null, 0);
        throw error;
      }
    },
  );

  app.post(
    '/api/auth/logout',
    {
      preValidation: strictBody(RefreshTokenBody),
      schema: {
        tags: ['auth'],
        summary:
          "End the refresh token's session (body or lectern_refresh cookie); unknown tokens are ignored",
        body: RefreshTokenBody,
        response: { 204: Type.Null({ description: 'signed out' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const cookieToken = refreshTokenFromCookie(request);
      const token = request.body.refresh_token ?? cookieToken;
      if (token !== undefined) await sessions.logout(token);
      if (cookieToken !== undefined) setRefreshCookie(request, reply, null, 0);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in account',
        security: bearerSecurity,
        response: { 200: Account, ...problemResponses },
      },
    },
    async (request, reply) => {
      const account = await users.profile(requireUser(request).id);
      noStore(reply);
      return account;
    },
  );
}
