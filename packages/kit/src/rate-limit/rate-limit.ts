import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { errors } from '../errors/index.js';

export interface RateLimitOptions {
  /** Shared by every replica when present; in-process memory otherwise. */
  redis: Redis | null;
  max: number;
  windowMs: number;
  /** The deployment's key prefix (CACHE_PREFIX): deployments sharing one Redis keep apart counters. */
  prefix: string;
}

/**
 * While Redis is away each replica counts in process, and a request counts this many times there: with a few
 * replicas each counting alone, limits get stricter (half per replica), never absent.
 */
export const LOCAL_FALLBACK_WEIGHT = 2;

/** Signed-in users are limited per account; anonymous callers per client IP (request.ip honours TRUSTED_PROXIES). */
export function userOrIpKey(request: FastifyRequest): string {
  return request.user ? `user:${request.user.id}` : `ip:${request.ip}`;
}

interface Count {
  current: number;
  ttl: number;
}

type Incr = (
  key: string,
  callback: (error: Error | null, result: Count | null) => void,
  windowMs: number,
  max: number,
) => void;

/** Fixed windows in process memory: all-in-one's limiter, and everyone's while Redis is away. */
class LocalCounts {
  private readonly windows = new LRUCache<string, { count: number; endsAt: number }>({ max: 50_000 });

  count(key: string, windowMs: number, weight: number): Count {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { current: window.count * weight, ttl: window.endsAt - now };
  }
}

/** INCR with the window's expiry set by the first hit; answers the count and the milliseconds left. */
const incrementScript = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`;

interface RedisWithIncrement extends Redis {
  lecternRateLimitIncrement(key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * Whether this process counts limits alone because Redis is away. Said once in the log when it starts and
 * when it ends, and shown by /health/ready (rate_limits: down, the process degraded).
 */
export class SharedLimitsState {
  private local = false;

  constructor(private readonly log: FastifyBaseLogger) {}

  get shared(): boolean {
    return !this.local;
  }

  lost(error: unknown): void {
    if (this.local) return;
    this.local = true;
    this.log.warn(
      { event: 'rate_limit_fallback', err: error },
      `Redis is unreachable: rate limits are counted per replica, in process, at 1/${LOCAL_FALLBACK_WEIGHT} of their limits until it is back`,
    );
  }

  regained(): void {
    if (!this.local) return;
    this.local = false;
    this.log.info(
      { event: 'rate_limit_shared' },
      'Redis is back: rate limits are shared by all replicas again',
    );
  }
}

/**
 * A store for @fastify/rate-limit that counts in Redis (shared by all replicas) and, when Redis is not ready or
 * a count fails, in process at a stricter weight instead of letting requests through uncounted.
 */
function resilientStore(redis: Redis | null, namespace: string, state: SharedLimitsState | null) {
  if (redis && !('lecternRateLimitIncrement' in redis)) {
    redis.defineCommand('lecternRateLimitIncrement', { numberOfKeys: 1, lua: incrementScript });
  }
  return class ResilientStore {
    private readonly local = new LocalCounts();

    constructor(
      _globalParams: unknown,
      private readonly keyPrefix = namespace,
    ) {}

    incr: Incr = (key, callback, windowMs) => {
      const fullKey = `${this.keyPrefix}${key}`;
      if (!redis || !state) {
        callback(null, this.local.count(fullKey, windowMs, 1));
        return;
      }
      if (redis.status !== 'ready') {
        state.lost(new Error(`Redis connection is ${redis.status}`));
        callback(null, this.local.count(fullKey, windowMs, LOCAL_FALLBACK_WEIGHT));
        return;
      }
      (redis as RedisWithIncrement).lecternRateLimitIncrement(fullKey, windowMs).then(
        ([current, ttl]) => {
          state.regained();
          callback(null, { current, ttl });
        },
        (error: unknown) => {
          state.lost(error);
          callback(null, this.local.count(fullKey, windowMs, LOCAL_FALLBACK_WEIGHT));
        },
      );
    };

    /** A route's own limit (or createRateLimit's) counts under its own scope. */
    child(routeOptions: { routeInfo?: { method?: string; url?: string } }): ResilientStore {
      const route = routeOptions.routeInfo;
      const scope = route?.method && route.url ? `${route.method}${route.url}:` : '';
      return new ResilientStore(null, `${namespace}${scope}`);
    }
  };
}

async function rateLimitPlugin(app: FastifyInstance, options: RateLimitOptions) {
  const state = options.redis ? new SharedLimitsState(app.log) : null;
  const pluginOptions: RateLimitPluginOptions = {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    hook: 'preHandler',
    keyGenerator: userOrIpKey,
    // The store never fails: without Redis it counts in process (see resilientStore).
    skipOnError: false,
    store: resilientStore(
      options.redis,
      `${options.prefix}:rl:`,
      state,
    ) as unknown as RateLimitPluginOptions['store'],
    errorResponseBuilder: (_request, context) =>
      errors.tooManyRequests(Math.max(1, Math.ceil(context.ttl / 1000))),
  };
  await app.register(rateLimit, pluginOptions);
  if (options.redis && state) {
    const redis = options.redis;
    app.readiness.add('rate_limits', {
      critical: false,
      check: () =>
        redis.status === 'ready' && state.shared
          ? Promise.resolve()
          : Promise.reject(new Error('rate limits are per replica')),
    });
  }
}

export const rateLimits = fp(rateLimitPlugin, {
  name: 'lectern-rate-limit',
  fastify: '5.x',
  dependencies: ['lectern-health'],
});
