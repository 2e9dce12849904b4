import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers helmet sets for these options, computed once. Our options hold no per-request parts (no nonces,
 * no functions), so every response gets the same headers; @fastify/helmet would rebuild helmet's middleware
 * (and re-parse the CSP) on every request, which was 12 % of a cached read's CPU.
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: number | string | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a record of header names
      delete headers[name.toLowerCase()];
    },
  };
  // Static options read neither the request nor anything of the response but its headers.
  const request = {} as unknown as IncomingMessage;
  helmet(options)(request, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet rejected the options');
  });
  return Object.freeze(headers);
}

/**
 * What OWASP's REST Security Cheat Sheet asks of a JSON API: no sniffing, nothing loaded by or framing an
 * answer. Helmet's set is for documents (a CSP of what a page may load, COOP, CORP, Origin-Agent-Cluster …)
 * and was ~1 KB on every JSON answer. HSTS is added where TLS ends (nginx, deploy/nginx), Cache-Control by
 * each route.
 */
export const apiSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
});

export interface SecurityHeadersOptions {
  /** Helmet's options for documents: HTML pages, scripts, styles, the API docs page. */
  documents: HelmetOptions;
  /** Paths under /api/ that serve documents rather than JSON, e.g. the OpenAPI docs page. */
  documentPrefixes: string[];
}

const apiPrefixes = ['/api/', '/internal/', '/health', '/metrics'];

/**
 * Whether a request is for the JSON API (lean headers) or for a document (helmet's set). Decided from the path
 * in onRequest, so errors and 304s carry the same set as the answers they stand for: a 304 with another CSP
 * would overwrite a page's cached one.
 */
export function isApiPath(url: string, documentPrefixes: readonly string[]): boolean {
  return (
    apiPrefixes.some((prefix) => url.startsWith(prefix)) &&
    !documentPrefixes.some((prefix) => url.startsWith(prefix))
  );
}

/** Lean headers on JSON answers, helmet's on documents, set in onRequest so error answers carry them too. */
function securityHeadersPlugin(
  app: FastifyInstance,
  options: SecurityHeadersOptions,
  done: (error?: Error) => void,
) {
  const documentHeaders = securityHeaders(options.documents);
  app.addHook('onRequest', (request, reply, next) => {
    void reply.headers(
      isApiPath(request.url, options.documentPrefixes) ? apiSecurityHeaders : documentHeaders,
    );
    next();
  });
  done();
}

export const securityHeadersOnEveryResponse = fp(securityHeadersPlugin, {
  name: 'lectern-security-headers',
  fastify: '5.x',
});
