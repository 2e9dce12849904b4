import { Agent, request as undiciRequest } from 'undici';

/** One answer of another service's internal API: the status and the body, as text (fetch) or parsed (inject). */
export interface InternalResponse {
  status: number;
  body: unknown;
}

export interface InternalRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
}

/**
 * How a service calls another's /internal endpoints. Standalone it is `fetch` against the other's base URL; the
 * all-in-one platform passes one backed by `app.inject`. A rejection means the other service could not answer.
 */
export type InternalFetch = (path: string, request?: InternalRequest) => Promise<InternalResponse>;

/**
 * The default transport: an HTTP request to the service's base URL over kept-alive connections, bounded by a
 * timeout. undici's request API rather than `fetch`: at an exam's start these calls are on the hot path, and
 * fetch's WHATWG layers (Request, Headers, body streams) cost a replica more than the call itself.
 */
export function httpInternalFetch(baseUrl: string, timeoutMs: number): InternalFetch {
  const base = baseUrl.replace(/\/+$/, '');
  const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
  return async (path, request = {}) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const response = await undiciRequest(`${base}${path}`, {
      dispatcher,
      method: request.method ?? 'GET',
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.statusCode, body: await response.body.text() };
  };
}

/** The body of an internal answer as a value: parsed when it came as text, undefined when it is not JSON. */
export function internalBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
