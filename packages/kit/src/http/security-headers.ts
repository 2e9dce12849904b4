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

/** Helmet's headers on every response, set in onRequest so error answers carry them too. */
function securityHeadersPlugin(app: FastifyInstance, options: HelmetOptions, done: (error?: Error) => void) {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (_request, reply, next) => {
    void reply.headers(headers);
    next();
  });
  done();
}

export const securityHeadersOnEveryResponse = fp(securityHeadersPlugin, {
  name: 'lectern-security-headers',
  fastify: '5.x',
});
