import type { FieldError, Page, Problem, TokenPair } from './api.types';
import {
  hasSignedInBefore,
  readSession,
  sessionFromTokens,
  subscribeSession,
  writeSession,
  type Session,
} from './session';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * `none` never sends a token (public, cacheable reads); `optional` sends one when signed in;
 * `required` fails with 401 without one.
 */
export type AuthMode = 'none' | 'optional' | 'required';

export interface RequestOptions {
  method?: HttpMethod;
  body?: unknown;
  /** A text/plain body instead of `body`'s JSON (e.g. a GIFT quiz). */
  text?: string;
  auth?: AuthMode;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** The media type asked for; JSON unless said otherwise. */
  accept?: string;
  /** `no-cache` revalidates with the server: for reading back what the user just changed. */
  cache?: RequestCache;
  /** The request outlives the page: a reload or a closed tab right after it neither cancels it nor drops its answer. */
  keepalive?: boolean;
}

/** Asks auth for the refresh token as an HttpOnly cookie instead of a JSON field script could read. */
export const REFRESH_COOKIE_MODE = { 'x-refresh-token-mode': 'cookie' };

/** A failed request: the server's problem+json, or status 0 when the network failed. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly problem: Problem,
    /** Seconds to wait before retrying, from `Retry-After` (429, 503). */
    readonly retryAfter: number | null = null,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  get code(): string | undefined {
    return this.problem.code;
  }

  get detail(): string | undefined {
    return this.problem.detail;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** Refresh this long before the access token expires when about to send a request. */
const EXPIRY_MARGIN_MS = 5_000;

function parseRetryAfter(header: string | null, problem: Problem): number | null {
  if (header !== null) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  return typeof problem.retry_after === 'number' ? problem.retry_after : null;
}

async function toApiError(response: Response): Promise<ApiError> {
  let problem: Problem = { status: response.status, title: response.statusText };
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body: unknown = await response.json();
      if (typeof body === 'object' && body !== null) problem = { ...problem, ...(body as Problem) };
    } catch {
      // An unreadable error body: keep the status line.
    }
  }
  return new ApiError(
    response.status,
    problem,
    parseRetryAfter(response.headers.get('retry-after'), problem),
  );
}

async function rawFetch(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new ApiError(0, { code: 'network_error' });
  }
}

const expiryListeners = new Set<() => void>();

/** Called when the session ends because the server no longer accepts its tokens. */
export function onSessionExpired(listener: () => void): () => void {
  expiryListeners.add(listener);
  return () => expiryListeners.delete(listener);
}

function expireSession(): void {
  if (readSession() === null && !hasSignedInBefore()) return;
  writeSession(null);
  for (const listener of expiryListeners) listener();
}

async function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  // Tabs share one refresh cookie; rotating it twice at once would look like reuse and revoke the family.
  if ('locks' in navigator) return navigator.locks.request('lectern.refresh', task);
  return task();
}

let inFlightRefresh: Promise<Session | null> | null = null;

/**
 * Trades the refresh cookie for a new access token (and the next cookie), once per tab at a time and once
 * across tabs. `used` is the session whose token failed or is expiring (null when restoring on load).
 * Resolves to null when the server refused it (the session is then over); throws when the server could not
 * be asked (network, 429, 5xx), leaving the session in place.
 */
export function refreshSession(used: Session | null): Promise<Session | null> {
  inFlightRefresh ??= withRefreshLock(async () => {
    const current = readSession();
    if (current !== null && current !== used && current.expiresAt - Date.now() > EXPIRY_MARGIN_MS) {
      return current;
    }
    const response = await rawFetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...REFRESH_COOKIE_MODE },
      body: '{}',
    });
    if (response.ok) {
      const renewed = sessionFromTokens((await response.json()) as TokenPair);
      writeSession(renewed);
      return renewed;
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      expireSession();
      return null;
    }
    throw await toApiError(response);
  }).finally(() => {
    inFlightRefresh = null;
  });
  return inFlightRefresh;
}

/** After a reload (memory is empty): a new access token through the refresh cookie, if this browser has one. */
export async function restoreSession(): Promise<Session | null> {
  const session = readSession();
  if (session !== null || !hasSignedInBefore()) return session;
  return refreshSession(null);
}

async function currentSession(): Promise<Session | null> {
  const session = readSession() ?? (await restoreSession().catch(() => null));
  if (session === null || session.expiresAt - Date.now() > EXPIRY_MARGIN_MS) return session;
  return refreshSession(session);
}

function buildInit(options: RequestOptions, session: Session | null): RequestInit {
  const headers: Record<string, string> = {
    accept: options.accept ?? 'application/json',
    ...options.headers,
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.text !== undefined) headers['content-type'] = 'text/plain; charset=utf-8';
  if (session !== null) headers.authorization = `Bearer ${session.accessToken}`;
  return {
    method: options.method ?? 'GET',
    headers,
    body: options.text ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: options.signal,
    cache: options.cache,
    keepalive: options.keepalive,
  };
}

/** Sends a request, refreshing the access token once and retrying when the server answers 401. */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const auth = options.auth ?? 'optional';
  let session = auth === 'none' ? null : await currentSession();
  if (auth === 'required' && session === null) {
    throw new ApiError(401, { status: 401, code: 'not_signed_in' });
  }
  let response = await rawFetch(path, buildInit(options, session));
  if (response.status === 401 && session !== null) {
    session = await refreshSession(session);
    if (session !== null) {
      response = await rawFetch(path, buildInit(options, session));
      if (response.status === 401) expireSession();
    }
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

export async function requestJson<T>(path: string, options?: RequestOptions): Promise<T> {
  const response = await send(path, options);
  return (await response.json()) as T;
}

export async function requestVoid(path: string, options?: RequestOptions): Promise<void> {
  await send(path, options);
}

export async function requestBlob(path: string, options?: RequestOptions): Promise<Blob> {
  const response = await send(path, options);
  return response.blob();
}

export async function requestPage<T>(path: string, options?: RequestOptions): Promise<Page<T>> {
  const response = await send(path, options);
  const header = response.headers.get('x-total-count');
  const total = header === null ? null : Number(header);
  return {
    items: (await response.json()) as T[],
    total: total !== null && Number.isFinite(total) ? total : null,
  };
}

export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

export function signIn(tokens: TokenPair): void {
  writeSession(sessionFromTokens(tokens));
}

export function signOutLocally(): void {
  writeSession(null);
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRY_AFTER_FAILURE_MS = 15_000;

/**
 * Refreshes the access token shortly before it expires (10% of its lifetime, 5 to 60 seconds
 * early), rescheduling whenever the session changes or the tab becomes visible again.
 */
export function startSessionKeeper(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = (delayOverride?: number): void => {
    clearTimeout(timer);
    const session = readSession();
    if (session === null) return;
    const lead = Math.min(60_000, Math.max(EXPIRY_MARGIN_MS, session.lifetimeMs * 0.1));
    const delay = delayOverride ?? Math.max(0, session.expiresAt - lead - Date.now());
    timer = setTimeout(
      () => {
        refreshSession(session).catch(() => {
          schedule(RETRY_AFTER_FAILURE_MS);
        });
      },
      Math.min(delay, MAX_TIMER_MS),
    );
  };

  const onVisible = (): void => {
    if (document.visibilityState === 'visible') schedule();
  };

  const unsubscribe = subscribeSession(() => schedule());
  document.addEventListener('visibilitychange', onVisible);
  schedule();
  return () => {
    clearTimeout(timer);
    unsubscribe();
    document.removeEventListener('visibilitychange', onVisible);
  };
}
