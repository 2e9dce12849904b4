import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { errors } from '../errors/index.js';

export interface RateLimitOptions {
  /** Shared by every replica when present; in-process memory otherwise. */
  redis: Redis | null;
  max: number;
  windowMs: number;
}

/** Signed-in users are limited per account; anonymous callers per client IP (request.ip honours TRUSTED_PROXIES). */
export function userOrIpKey(request: FastifyRequest): string {
  return request.user ? `user:${request.user.id}` : `ip:${request.ip}`;
}

async function rateLimitPlugin(app: FastifyInstance, options: RateLimitOptions) {
  const pluginOptions: RateLimitPluginOptions = {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    hook: 'preHandler',
    keyGenerator: userOrIpKey,
    nameSpace: 'lectern:rl:',
    // Redis unreachable or not yet connected: requests pass unlimited rather than fail. A Redis outage must
    // not take the platform down with it; the price is that limits (login's too) lapse until Redis is back.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      errors.tooManyRequests(Math.max(1, Math.ceil(context.ttl / 1000))),
  };
  if (options.redis) pluginOptions.redis = options.redis;
  await app.register(rateLimit, pluginOptions);
}

export const rateLimits = fp(rateLimitPlugin, { name: 'lectern-rate-limit', fastify: '5.x' });
