import { createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';
import { createVerifier, TokenError } from 'fast-jwt';
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  type JWTHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';
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

type VerifyWithKey = (token: string) => Record<string, unknown>;

/** A key as jose's key sets answer it (a WebCrypto CryptoKey, a KeyObject or a JWK), as a KeyObject. */
function keyObjectOf(key: object): KeyObject {
  if (key instanceof KeyObject) return key;
  if ('algorithm' in key && 'usages' in key)
    return KeyObject.from(key as Parameters<typeof KeyObject.from>[0]);
  return createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
}

/** The one access-token algorithm a public key can check, or null for a key of another kind. */
function algorithmOf(key: KeyObject): 'EdDSA' | 'ES256' | null {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return null;
}

/**
 * Verifies access tokens. jose finds the key (the local key set, or auth's JWKS over HTTP with its refetch on an
 * unknown kid); fast-jwt checks the signature and the claims with node:crypto synchronously. On this hot path (the
 * first request of every learner at an exam's start) jose's WebCrypto verification cost twice the CPU.
 */
export class TokenVerifier {
  /** Verified tokens keyed by the token itself: a hot reader's repeat requests skip the signature check. */
  private readonly verified = new LRUCache<string, { user: AuthUser; expiresAt: number }>({ max: 20_000 });
  /** One fast-jwt verifier per key the key set answers (it answers the same object for the same key). */
  private readonly verifiers = new WeakMap<object, VerifyWithKey | null>();

  constructor(private readonly options: AuthTokensOptions) {}

  async verify(token: string): Promise<AuthUser> {
    const cached = this.verified.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.user;
    let payload: Record<string, unknown>;
    try {
      const verifyWithKey = await this.verifierFor(token);
      if (!verifyWithKey) throw errors.invalidToken();
      payload = verifyWithKey(token);
    } catch (error) {
      if (error instanceof TokenError && error.code === TokenError.codes.expired) {
        throw errors.invalidToken('The access token has expired.');
      }
      if (
        error instanceof TokenError ||
        error instanceof joseErrors.JOSEError ||
        error instanceof TypeError
      ) {
        throw errors.invalidToken();
      }
      throw error;
    }
    const id = Number(payload.sub);
    const { email, role, sv = 0 } = payload;
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
    this.verified.set(token, { user, expiresAt: Number(payload.exp) * 1000 });
    return user;
  }

  /** The verifier for the key the token's header names; only asymmetric algorithms reach the key set. */
  private async verifierFor(token: string): Promise<VerifyWithKey | null> {
    const header: JWTHeaderParameters = decodeProtectedHeader(token) as JWTHeaderParameters;
    if (typeof header.alg !== 'string' || !ACCESS_TOKEN_ALGORITHMS.includes(header.alg)) return null;
    const [protectedHeader = '', encodedPayload = '', signature = ''] = token.split('.');
    const key = await this.options.getKey(header, {
      protected: protectedHeader,
      payload: encodedPayload,
      signature,
    });
    if (typeof key !== 'object' || key instanceof Uint8Array) return null;
    let verifyWithKey = this.verifiers.get(key);
    if (verifyWithKey === undefined) {
      const keyObject = keyObjectOf(key);
      const algorithm = keyObject.type === 'public' ? algorithmOf(keyObject) : null;
      verifyWithKey =
        algorithm === null
          ? null
          : (createVerifier({
              key: keyObject.export({ type: 'spki', format: 'pem' }) as string,
              algorithms: [algorithm],
              allowedIss: this.options.issuer,
              allowedAud: this.options.audience,
              requiredClaims: ['sub', 'exp', 'iat', 'jti'],
              cache: false,
            }) as VerifyWithKey);
      this.verifiers.set(key, verifyWithKey);
    }
    return verifyWithKey;
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
