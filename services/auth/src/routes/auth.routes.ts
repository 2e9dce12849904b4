import { bearerSecurity, requireUser } from '@lectern/kit';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { canonicalEmail } from '../credentials.policy.js';
import type { SessionsService } from '../sessions.service.js';
import type { UsersService } from '../users.service.js';
import { attemptLimit, clientNetwork, emailBucket } from './attempt-limits.js';
import { strictBody } from './strict-body.js';
import {
  Account,
  Credentials,
  problemResponses,
  RefreshTokenBody,
  RegisteredUser,
  TokenPair,
} from './auth.schemas.js';
import type { AuthApp } from './auth-app.js';

export interface AuthRoutesOptions {
  users: UsersService;
  sessions: SessionsService;
  /** AUTH_RATE_LIMIT_MAX attempts per AUTH_RATE_LIMIT_WINDOW_MS, per client IP and (login) per email. */
  attempts: { max: number; windowMs: number };
}

/** Token answers must never sit in a cache (RFC 6749 §5.1). */
function noStore(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export function authRoutes(app: AuthApp, options: AuthRoutesOptions): void {
  const { users, sessions, attempts } = options;
  const perIp = (name: string) =>
    attemptLimit(app, {
      name,
      max: attempts.max,
      windowMs: attempts.windowMs,
      key: (request) => clientNetwork(request.ip),
      showHeaders: true,
    });
  const perEmail = attemptLimit(app, {
    name: 'auth:login-email',
    max: attempts.max,
    windowMs: attempts.windowMs,
    key: (request) => {
      const { email } = request.body as { email: string };
      return emailBucket(canonicalEmail(email));
    },
  });
  // These routes count attempts themselves (per IP, then per email), instead of the kit's per-user limit.
  const ownLimits = { rateLimit: false } as const;

  app.post(
    '/api/auth/register',
    {
      config: ownLimits,
      preValidation: strictBody(Credentials),
      preHandler: [perIp('auth:register-ip')],
      schema: {
        tags: ['auth'],
        summary: 'Create a student account',
        description: `${attempts.max} attempts per ${attempts.windowMs / 1000} s per client IP.`,
        body: Credentials,
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
      preHandler: [perIp('auth:login-ip'), perEmail],
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for an access token and a refresh token',
        description:
          `${attempts.max} attempts per ${attempts.windowMs / 1000} s per client IP and per email. ` +
          'An unknown email and a wrong password get the same 401.',
        body: Credentials,
        response: { 200: TokenPair, ...problemResponses },
      },
    },
    async (request, reply) => {
      const pair = await sessions.login(request.body);
      noStore(reply);
      return pair;
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      preValidation: strictBody(RefreshTokenBody),
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token for a new pair; a reused refresh token revokes its whole session',
        body: RefreshTokenBody,
        response: { 200: TokenPair, ...problemResponses },
      },
    },
    async (request, reply) => {
      const pair = await sessions.refresh(request.body.refresh_token);
      noStore(reply);
      return pair;
    },
  );

  app.post(
    '/api/auth/logout',
    {
      preValidation: strictBody(RefreshTokenBody),
      schema: {
        tags: ['auth'],
        summary: "End the refresh token's session; unknown tokens are ignored",
        body: RefreshTokenBody,
        response: { 204: Type.Null({ description: 'signed out' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      await sessions.logout(request.body.refresh_token);
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
