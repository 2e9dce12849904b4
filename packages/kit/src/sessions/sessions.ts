import type { FastifyRequest } from 'fastify';
import { requireUser, type Role } from '../auth-tokens/index.js';
import type { Cache } from '../cache/index.js';
import { cachedJson } from '../internal-api/internal-api.js';
import { errors } from '../errors/index.js';

/** What auth says about a user now: the role, and the version a token must carry to still count. */
export interface SessionState {
  role: Role;
  session_version: number;
}

/** Asks auth for a user's session state; null when the user does not exist. */
export type LoadSessionState = (userId: number) => Promise<SessionState | null>;

/** An HTTP-like answer of auth's internal session endpoint, through fetch or app.inject. */
export interface SessionStateAnswer {
  status: number;
  body: () => unknown;
}

/** Where auth answers a user's session state: GET → 200 SessionState or 404. */
export function sessionStatePath(userId: number): string {
  return `/internal/auth/sessions/${userId}`;
}

function sessionNamespace(userId: number): string {
  return `session:${userId}`;
}

function isSessionState(value: unknown): value is SessionState {
  const state = value as Partial<SessionState> | null;
  return (
    typeof state === 'object' &&
    state !== null &&
    typeof state.role === 'string' &&
    Number.isSafeInteger(state.session_version)
  );
}

/**
 * A loader over auth's internal endpoint, given a way to GET a path there: `app.inject` in the all-in-one
 * process, `fetch` against auth (its VIP, or nginx's internal port) when services run apart.
 */
export function sessionStateLoader(get: (path: string) => Promise<SessionStateAnswer>): LoadSessionState {
  return async (userId) => {
    const answer = await get(sessionStatePath(userId)).catch(() => null);
    if (answer?.status === 404) return null;
    const body = answer?.status === 200 ? answer.body() : undefined;
    if (!isSessionState(body)) {
      throw errors.unavailable(
        'Could not check the session with the auth service; please retry.',
        2,
        'auth_unavailable',
      );
    }
    return { role: body.role, session_version: body.session_version };
  };
}

/**
 * Auth's base URL for its internal endpoints when services run apart: the origin of AUTH_JWKS_URL (auth itself
 * in Swarm, nginx's loopback-only internal port in the local cluster).
 */
export function authServiceUrl(jwksUrl: string): string {
  return new URL(jwksUrl).origin;
}

/** sessionStateLoader over fetch, against auth's base URL (e.g. http://auth:3000). */
export function httpSessionStateLoader(baseUrl: string, timeoutMs = 3000): LoadSessionState {
  return sessionStateLoader(async (path) => {
    const response = await fetch(new URL(path, baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { status: response.status, body: () => JSON.parse(text) as unknown };
  });
}

/**
 * Users' current roles and session versions, read through the shared cache (Redis across replicas, in-process
 * in all-in-one) and loaded from auth on a miss. Auth invalidates a user's entry when it changes, and the
 * cache's invalidation broadcast drops every replica's copy, so the next check sees the change.
 */
export class SessionStates {
  constructor(
    private readonly cache: Cache,
    private readonly load: LoadSessionState,
  ) {}

  current(userId: number): Promise<SessionState | null> {
    return cachedJson(this.cache, sessionNamespace(userId), 'state', () => this.load(userId));
  }

  /** After a role change or ended sessions: every replica's next check loads the new state. */
  invalidate(userId: number): Promise<void> {
    return this.cache.invalidate(sessionNamespace(userId));
  }
}

/**
 * Route guard for writes and admin routes: the token must come from the user's current session (not one a
 * role change, password change or reset has ended), and the user's current role, not the token's, must be
 * among `allowed` (any role when none is given). The request's user then carries the current role.
 * Reads do not use it, so the hot read path makes no lookup.
 */
export function requireCurrentRole(states: SessionStates, ...allowed: Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const user = requireUser(request);
    const state = await states.current(user.id);
    if (!state) throw errors.invalidToken('The account this access token belongs to no longer exists.');
    if (state.session_version !== (user.sessionVersion ?? 0)) {
      throw errors.invalidToken('This session has ended (role or password changed); please sign in again.');
    }
    if (allowed.length > 0 && !allowed.includes(state.role)) {
      throw errors.forbidden(`This needs the ${allowed.join(' or ')} role.`);
    }
    request.user = { ...user, role: state.role };
  };
}
