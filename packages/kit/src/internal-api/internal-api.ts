import type { Cache, CacheEntry, CacheGetOptions } from '../cache/index.js';
import { httpInternalFetch, type InternalResponse } from '../http/internal-fetch.js';

/** One call to another service's internal API, as a transport takes it. */
export interface InternalCall {
  method: 'GET' | 'POST';
  /** e.g. `/internal/courses/lessons/7` */
  path: string;
  /** JSON body of a POST. */
  body?: unknown;
}

/**
 * How one service reaches another's /internal endpoints: standalone `fetch` against its base URL with a timeout,
 * in the all-in-one process `app.inject` into the same Fastify instance. A rejection means no answer came.
 */
export type InternalTransport = (call: InternalCall) => Promise<InternalResponse>;

/** `fetch` against the other service's base URL (the kit's httpInternalFetch), as a transport. */
export function httpTransport(baseUrl: string, timeoutMs: number): InternalTransport {
  const fetchInternal = httpInternalFetch(baseUrl, timeoutMs);
  return ({ method, path, body }) => fetchInternal(path, { method, body });
}

interface Injectable {
  inject(options: {
    method: 'GET' | 'POST';
    url: string;
    payload?: string;
    headers?: Record<string, string>;
  }): Promise<{ statusCode: number; body: string }>;
}

/** The all-in-one transport: the same process's routes, without a socket. */
export function injectTransport(app: Injectable): InternalTransport {
  return async ({ method, path, body }) => {
    const response = await app.inject({
      method,
      url: path,
      ...(body === undefined
        ? {}
        : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.statusCode, body: response.body };
  };
}

/**
 * Entries are immutable and handed out again on every L1 hit: each is parsed once, and callers only read the
 * result.
 */
const parsedEntries = new WeakMap<CacheEntry, unknown>();

/**
 * A JSON value through the cache, parsed once per entry; `load` returns the value to store (null included). The
 * value is for this process to read, never sent as is, so no compressed copies are made for it.
 */
export async function cachedJson<T>(
  cache: Cache,
  namespace: string,
  key: string,
  load: () => Promise<T>,
  options?: CacheGetOptions,
): Promise<T> {
  const entry = await cache.get(
    namespace,
    key,
    async () => ({ body: JSON.stringify(await load()), compress: false }),
    options,
  );
  if (!parsedEntries.has(entry)) parsedEntries.set(entry, JSON.parse(entry.body));
  return parsedEntries.get(entry) as T;
}
