import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { errors } from '@lectern/kit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';

export interface AttemptLimitOptions {
  /** Names the bucket family in the store, e.g. auth:login-ip. */
  name: string;
  max: number;
  windowMs: number;
  /** The bucket a request counts against. */
  key: (request: FastifyRequest) => string;
  /** Sends x-ratelimit-* headers while under the limit. */
  showHeaders?: boolean;
}

/**
 * A limiter that can be stacked with others on one route, all sharing the kit's store (Redis across replicas).
 * `app.rateLimit()` cannot be stacked: its handlers share one "already limited" flag per request, so the second
 * one on a route silently does nothing. `app.createRateLimit()` has no such flag.
 */
export function attemptLimit(app: FastifyInstance, options: AttemptLimitOptions): preHandlerAsyncHookHandler {
  const check = app.createRateLimit({
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: (request) => `${options.name}:${options.key(request)}`,
  });
  return async (request, reply) => {
    const result = await check(request);
    if (result.isAllowed) return;
    if (result.isExceeded) throw errors.tooManyRequests(Math.max(1, result.ttlInSeconds));
    if (options.showHeaders) {
      void reply.headers({
        'x-ratelimit-limit': result.max,
        'x-ratelimit-remaining': result.remaining,
        'x-ratelimit-reset': result.ttlInSeconds,
      });
    }
  };
}

/**
 * Per-client-network limiters with one budget (AUTH_RATE_LIMIT_*): `perIp('auth:login-ip')` is a limiter counting
 * that route family per IPv4 address or IPv6 /64.
 */
export function perIpLimits(
  app: FastifyInstance,
  attempts: { max: number; windowMs: number },
  options: { showHeaders?: boolean } = {},
): (name: string) => preHandlerAsyncHookHandler {
  return (name) =>
    attemptLimit(app, {
      name,
      max: attempts.max,
      windowMs: attempts.windowMs,
      key: (request) => clientNetwork(request.ip),
      ...options,
    });
}

/**
 * The client's network for per-IP limits: the address itself for IPv4, the /64 for IPv6 (one subscriber
 * usually holds a whole /64, so per-address buckets would be free to multiply). request.ip already honours
 * TRUSTED_PROXIES, so a spoofed X-Forwarded-For from anyone else changes nothing.
 */
export function clientNetwork(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const [head = '', tail] = (ip.split('%')[0] ?? '').split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : Math.max(0, 8 - headGroups.length - tailGroups.length);
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/** Login attempts per account: keyed on a hash of the canonical email, so the store holds no addresses. */
export function emailBucket(email: string): string {
  return createHash('sha256').update(email).digest('base64url');
}
