import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Cache, type CacheLoadResult } from '../src/cache/index.js';
import { createRedis } from '../src/redis/index.js';
import { connected, freePort, startRedisServer, stop, until } from './fixtures/processes.js';

const redisUrl = process.env.REDIS_URL;

// Each test runs its own redis-server so it can stall or kill it without disturbing the shared one.
describe('Cache while Redis is down or stalled', () => {
  let server: ChildProcess | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await stop(server);
  });

  async function setUp() {
    const port = await freePort();
    server = await startRedisServer(port);
    const url = `redis://127.0.0.1:${port}`;
    const errors: unknown[] = [];
    const redis = createRedis(url, { name: 'cache-outage-test' });
    closers.push(() => redis.quit());
    await connected(redis);
    const prefix = `lectern-test-${randomUUID().slice(0, 8)}`;
    const cache = await Cache.create({ redis, prefix, onError: (error) => errors.push(error) });
    closers.push(() => cache.close());
    return { port, url, redis, cache, prefix, errors };
  }

  function counting(body: () => string) {
    let calls = 0;
    const load = (): Promise<CacheLoadResult> => {
      calls++;
      return Promise.resolve({ body: body() });
    };
    return { load, calls: () => calls };
  }

  // Needs the redis-server binary, installed wherever REDIS_URL is set.
  it.runIf(!!redisUrl)(
    'when Redis stops mid-test, then reads come from L1 or the loader, invalidation still works, and all recovers on restart',
    async () => {
      const { port, url, redis, cache, prefix } = await setUp();
      const namespace = 'courses';
      let stored = 'v1';
      const { load, calls } = counting(() => stored);
      expect((await cache.get(namespace, 'page-1', load)).body).toBe('v1');

      await stop(server);
      await until(() => redis.status !== 'ready', 2_000, 'the client to notice Redis is gone');

      const startedAt = performance.now();
      expect((await cache.get(namespace, 'page-1', load)).body).toBe('v1');
      expect((await cache.get(namespace, 'page-2', load)).body).toBe('v1');
      expect(performance.now() - startedAt).toBeLessThan(100);
      stored = 'v2';
      await expect(cache.invalidate(namespace)).resolves.toBeUndefined();
      expect((await cache.get(namespace, 'page-1', load)).body).toBe('v2');
      expect(calls()).toBe(3);

      server = await startRedisServer(port);
      await until(() => redis.status === 'ready', 10_000, 'the client to reconnect');

      // The invalidation made during the outage is replayed, so no other process keeps serving v1 from L2.
      const checker = new Redis(url);
      closers.push(() => checker.quit());
      const versionKey = `${prefix}:v:${namespace}`;
      await until(async () => (await checker.exists(versionKey)) === 1, 2_000, 'the missed version bump');

      stored = 'v3';
      await cache.invalidate(namespace);
      expect((await cache.get(namespace, 'page-1', load)).body).toBe('v3');
      await redis.ping();
      const other = createRedis(url, { name: 'cache-outage-test' });
      closers.push(() => other.quit());
      await connected(other);
      const otherCache = await Cache.create({ redis: other, prefix });
      closers.push(() => otherCache.close());
      const { load: mustNotLoad, calls: otherCalls } = counting(() => 'not from L2');
      expect((await otherCache.get(namespace, 'page-1', mustNotLoad)).body).toBe('v3');
      expect(otherCalls()).toBe(0);
    },
  );

  // Needs the redis-server binary, installed wherever REDIS_URL is set.
  it.runIf(!!redisUrl)(
    'when Redis is away, then entries asked to live longer stay in L1 past its TTL, until Redis is back',
    async () => {
      const port = await freePort();
      server = await startRedisServer(port);
      const redis = createRedis(`redis://127.0.0.1:${port}`, { name: 'cache-outage-test' });
      closers.push(() => redis.quit());
      await connected(redis);
      const cache = await Cache.create({
        redis,
        prefix: `lectern-test-${randomUUID().slice(0, 8)}`,
        l1TtlMs: 20,
      });
      closers.push(() => cache.close());
      const longer = { l1TtlWithoutRedisMs: 60_000 };
      const { load, calls } = counting(() => 'lesson');

      await stop(server);
      await until(() => redis.status !== 'ready', 2_000, 'the client to notice Redis is gone');
      await cache.get('course-outlines', 'lesson:1', load, longer);
      await cache.get('course-outlines', 'lesson:2', load);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await cache.get('course-outlines', 'lesson:1', load, longer);
      expect(calls()).toBe(2);
      // Without the option the entry followed l1TtlMs.
      await cache.get('course-outlines', 'lesson:2', load);
      expect(calls()).toBe(3);

      server = await startRedisServer(port);
      await until(() => redis.status === 'ready', 10_000, 'the client to reconnect');
      await cache.get('course-outlines', 'lesson:1', load, longer);
      expect(calls()).toBe(4);
    },
  );

  // Needs the redis-server binary, installed wherever REDIS_URL is set.
  it.runIf(!!redisUrl)(
    'when Redis stalls, then one read waits out the command timeout, the next ones skip Redis, and the error is reported',
    async () => {
      const { url, cache, errors } = await setUp();
      const staller = new Redis(url);
      closers.push(() => staller.quit());
      const stall = staller.call('DEBUG', 'SLEEP', '1.5');
      await new Promise((resolve) => setTimeout(resolve, 50));

      const startedAt = performance.now();
      const entry = await cache.get('courses', 'page-1', counting(() => 'from the database').load);
      const firstMs = performance.now() - startedAt;
      const nextStartedAt = performance.now();
      await cache.get('courses', 'page-2', counting(() => 'from the database').load);
      const nextMs = performance.now() - nextStartedAt;
      await stall;

      expect(entry.body).toBe('from the database');
      expect(firstMs).toBeLessThan(1_000);
      expect(nextMs).toBeLessThan(100);
      expect(errors).toContainEqual(expect.objectContaining({ message: 'Command timed out' }));
    },
  );
});
