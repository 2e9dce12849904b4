import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { errors } from '../errors/index.js';

export const roles = ['student', 'instructor', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface AuthUser {
  id: number;
  email: string;
  role: Role;
  /** The session version the token was issued under (claim `sv`); absent means 0. See requireCurrentRole. */
  sessionVersion?: number;
}

/** Only asymmetric algorithms: `none` and HS256 (signed with a public key) are refused before any crypto. */
export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA', 'ES256'];

export interface AuthTokensOptions {
  issuer: string;
  audience: string;
  /** The auth service's public keys: a local key set in-process, or its JWKS over HTTP. */
  getKey: JWTVerifyGetKey;
}

export function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
}

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
    authFailure: string | null;
  }
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export class TokenVerifier {
  /** Verified tokens keyed by the token itself: a hot reader's repeat requests skip the signature check. */
  private readonly verified = new LRUCache<string, { user: AuthUser; expiresAt: number }>({ max: 20_000 });

  constructor(private readonly options: AuthTokensOptions) {}

  async verify(token: string): Promise<AuthUser> {
    const cached = this.verified.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.user;
    try {
      const { payload } = await jwtVerify(token, this.options.getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      const id = Number(payload.sub);
      const { email, role, sv = 0 } = payload as { email?: unknown; role?: unknown; sv?: unknown };
      const sessionVersion = Number.isSafeInteger(sv) && (sv as number) >= 0 ? (sv as number) : -1;
      if (
        !Number.isSafeInteger(id) ||
        id <= 0 ||
        typeof email !== 'string' ||
        !isRole(role) ||
        sessionVersion < 0
      ) {
        throw errors.invalidToken('The access token is missing required claims.');
      }
      const user: AuthUser = { id, email, role, sessionVersion };
      this.verified.set(token, { user, expiresAt: (payload.exp ?? 0) * 1000 });
      return user;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw errors.invalidToken('The access token has expired.');
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) throw errors.invalidToken();
      throw error;
    }
  }
}

function authTokensPlugin(app: FastifyInstance, options: AuthTokensOptions, done: (error?: Error) => void) {
  const verifier = new TokenVerifier(options);
  app.decorateRequest('user', null);
  app.decorateRequest('authFailure', null);

  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) return;
    const [scheme, token] = header.split(' ', 2);
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      request.authFailure = 'The Authorization header must be "Bearer <token>".';
      return;
    }
    try {
      request.user = await verifier.verify(token);
    } catch (error) {
      if (error instanceof Error && 'statusCode' in error && error.statusCode === 401) {
        request.authFailure = error.message;
        return;
      }
      throw error;
    }
  });
  done();
}

export const authTokens = fp(authTokensPlugin, { name: 'lectern-auth-tokens', fastify: '5.x' });

/** The signed-in user, or a 401 that says why (missing or bad token). */
export function requireUser(request: FastifyRequest): AuthUser {
  if (request.user) return request.user;
  if (request.authFailure) throw errors.invalidToken(request.authFailure);
  throw errors.unauthorized();
}

/** Route guard: 401 without a valid token, 403 when the role is not among `allowed`. */
export function requireRole(...allowed: Role[]): preHandlerHookHandler {
  return (request, _reply, done) => {
    const user = requireUser(request);
    if (allowed.length > 0 && !allowed.includes(user.role)) {
      throw errors.forbidden(`This needs the ${allowed.join(' or ')} role.`);
    }
    done();
  };
}

/** Route guard: any signed-in user. */
export const authenticated: preHandlerHookHandler = requireRole();

export const bearerSecurity = [{ bearerAuth: [] }];
