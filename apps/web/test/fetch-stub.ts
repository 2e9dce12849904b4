import type { Session } from '../src/api/session';

/** What the web app's API tests stub: the browser's storage, and answers as fetch gives them. */
export function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => items.delete(key),
    setItem: (key, value) => items.set(key, value),
  };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

export function session(overrides: Partial<Session> = {}): Session {
  return {
    accessToken: 'access-1',
    expiresAt: Date.now() + 10 * 60_000,
    lifetimeMs: 15 * 60_000,
    ...overrides,
  };
}
