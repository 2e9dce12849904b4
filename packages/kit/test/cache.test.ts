import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Cache, computeEtag, type CacheLoadResult, type CacheOptions } from '../src/cache/index.js';
import { cacheHitsTotal, cacheMissesTotal } from '../src/metrics/metrics.js';
import { createRedis } from '../src/redis/index.js';
import { connected } from './fixtures/processes.js';

const redisUrl = process.env.REDIS_URL;

function unique(name: string): string {
  return `${name}-${randomUUID().slice(0, 8)}`;
}

async function counted(counter: typeof cacheHitsTotal, cache: string): Promise<number> {
  const { values } = await counter.get();
  return values.find((value) => value.labels.cache === cache)?.value ?? 0;
}

function loader(bodies: () => string, headers?: Record<string, string>) {
  let calls = 0;
  const load = (): Promise<CacheLoadResult> => {
    calls++;
    return Promise.resolve({ body: bodies(), ...(headers && { headers }) });
  };
  return { load, calls: () => calls };
}

describe('computeEtag', () => {
  it('when the body is the same, then the ETag is the same, quoted and strong', () => {
    const body = JSON.stringify([{ id: 1, title: 'Algebra' }]);
    expect(computeEtag(body)).toBe(computeEtag(JSON.stringify([{ id: 1, title: 'Algebra' }])));
    expect(computeEtag(body)).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it('when the bodies differ, even by one byte, then the ETags differ', () => {
    expect(computeEtag('[{"id":1}]')).not.toBe(computeEtag('[{"id":2}]'));
    expect(computeEtag('')).not.toBe(computeEtag(' '));
  });
});

describe('Cache metrics', () => {
  it('when a namespace names one entity, then its hits and misses are labelled with the part before the colon', async () => {
    const cache = await Cache.create({ redis: null });
    const family = unique('course');
    const { load } = loader(() => '{}');

    await cache.get(`${family}:42`, 'lessons', load);
    await cache.get(`${family}:42`, 'lessons', load);
    await cache.get(`${family}:43`, 'lessons', load);

    expect(await counted(cacheHitsTotal, family)).toBe(1);
    expect(await counted(cacheMissesTotal, family)).toBe(2);
    expect(await counted(cacheMissesTotal, `${family}:42`)).toBe(0);
    await cache.close();
  });
});

function behavesAsACache(mode: { redis: () => Redis | null }) {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function newCache(options: Partial<CacheOptions> = {}): Promise<Cache> {
    const redis = mode.redis();
    if (redis) {
      closers.push(() => redis.quit());
      await connected(redis);
    }
    const cache = await Cache.create({ redis, prefix: unique('lectern-test'), ...options });
    closers.push(() => cache.close());
    return cache;
  }

  it('when the same key is read twice, then the loader runs once and the second read is a hit', async () => {
    const cache = await newCache();
    const namespace = unique('courses');
    const { load, calls } = loader(() => '[{"id":1}]');

    const first = await cache.get(namespace, 'page-1', load);
    const second = await cache.get(namespace, 'page-1', load);

    expect(calls()).toBe(1);
    expect(second).toEqual(first);
    expect(second.body).toBe('[{"id":1}]');
    expect(await counted(cacheHitsTotal, namespace)).toBe(1);
    expect(await counted(cacheMissesTotal, namespace)).toBe(1);
  });

  it('when 100 reads of one missing key arrive together, then the loader runs once and all get the same entry', async () => {
    const cache = await newCache();
    const namespace = unique('courses');
    let calls = 0;
    const slowLoad = async (): Promise<CacheLoadResult> => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { body: '[]' };
    };

    const entries = await Promise.all(
      Array.from({ length: 100 }, () => cache.get(namespace, 'page-1', slowLoad)),
    );

    expect(calls).toBe(1);
    expect(new Set(entries).size).toBe(1);
    expect(await counted(cacheMissesTotal, namespace)).toBe(1);
  });

  it('when a namespace is invalidated, then the next read in the same process loads fresh data', async () => {
    const cache = await newCache();
    const namespace = unique('courses');
    let stored = 'before';
    const { load, calls } = loader(() => stored);
    await cache.get(namespace, 'page-1', load);

    stored = 'after';
    await cache.invalidate(namespace);
    const entry = await cache.get(namespace, 'page-1', load);

    expect(entry.body).toBe('after');
    expect(calls()).toBe(2);
  });

  it('when one namespace is invalidated, then other namespaces stay cached', async () => {
    const cache = await newCache();
    const [courses, lessons] = [unique('courses'), unique('lessons')];
    const { load, calls } = loader(() => 'x');
    await cache.get(courses, 'k', load);
    await cache.get(lessons, 'k', load);

    await cache.invalidate(courses);
    await cache.get(lessons, 'k', load);

    expect(calls()).toBe(2);
  });

  it('when the loader throws, then every waiter gets the error and nothing is cached', async () => {
    const cache = await newCache();
    const namespace = unique('courses');
    let calls = 0;
    const failing = async (): Promise<CacheLoadResult> => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('database is down');
    };

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => cache.get(namespace, 'k', failing)),
    );

    expect(calls).toBe(1);
    for (const result of results) {
      expect(result).toMatchObject({ status: 'rejected', reason: { message: 'database is down' } });
    }
    const { load, calls: laterCalls } = loader(() => 'recovered');
    expect((await cache.get(namespace, 'k', load)).body).toBe('recovered');
    expect(laterCalls()).toBe(1);
  });

  it('when an entry is stored with headers, then a hit returns them with the body and its ETag', async () => {
    const cache = await newCache();
    const namespace = unique('courses');
    const headers = { 'x-total-count': '42', link: '</api/courses?offset=20>; rel="next"' };
    const { load } = loader(() => '[{"id":1}]', headers);

    await cache.get(namespace, 'page-1', load);
    const hit = await cache.get(namespace, 'page-1', load);

    expect(hit.headers).toEqual(headers);
    expect(hit.etag).toBe(computeEtag('[{"id":1}]'));
  });
}

describe('Cache, L1 only', () => {
  behavesAsACache({ redis: () => null });
});

// Needs a Redis server.
describe.runIf(!!redisUrl)('Cache with Redis as L2', () => {
  const url = redisUrl ?? '';
  behavesAsACache({ redis: () => createRedis(url, { name: 'cache-test' }) });

  const clients: Redis[] = [];
  const caches: Cache[] = [];
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()));
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });

  async function instance(prefix: string): Promise<{ cache: Cache; redis: Redis }> {
    const redis = createRedis(url, { name: 'cache-test' });
    clients.push(redis);
    await connected(redis);
    const cache = await Cache.create({ redis, prefix });
    caches.push(cache);
    return { cache, redis };
  }

  it('when one instance fills a key, then another instance with its own connection reads it from L2 without loading', async () => {
    const prefix = unique('lectern-test');
    const namespace = unique('courses');
    const filler = await instance(prefix);
    const reader = await instance(prefix);
    const headers = { 'x-total-count': '1' };
    const filled = await filler.cache.get(namespace, 'page-1', loader(() => '[{"id":7}]', headers).load);
    // The L2 write is not awaited by get(); a PING on the same connection is answered after it.
    await filler.redis.ping();

    const { load, calls } = loader(() => 'should not be loaded');
    const read = await reader.cache.get(namespace, 'page-1', load);

    expect(calls()).toBe(0);
    expect(read).toEqual(filled);
    expect(await counted(cacheHitsTotal, namespace)).toBe(1);
  });

  it('when an entry is in L2, then it is one metadata line followed by the body bytes as sent', async () => {
    const prefix = unique('lectern-test');
    const namespace = unique('courses');
    const { cache, redis } = await instance(prefix);
    const body = '[{"title":"Ünïcode\\nlines"}]';
    await cache.get(namespace, 'page-1', loader(() => body, { 'x-total-count': '1' }).load);
    await redis.ping();

    const version = await redis.get(`${prefix}:v:${namespace}`);
    const dataKey = `${prefix}:d2:${namespace}:${String(version)}:page-1`;
    const stored = (await redis.getBuffer(dataKey)) ?? Buffer.alloc(0);

    const newline = stored.indexOf(0x0a);
    const bytes = Buffer.from(body, 'utf8');
    expect(JSON.parse(stored.subarray(0, newline).toString('utf8'))).toEqual({
      etag: computeEtag(body),
      headers: { 'x-total-count': '1' },
      // Too small to gain from compression: identity only.
      lengths: { identity: bytes.length },
    });
    expect(stored.subarray(newline + 1).equals(bytes)).toBe(true);
    const ttl = await redis.ttl(dataKey);
    expect(ttl).toBeGreaterThanOrEqual(270);
    expect(ttl).toBeLessThanOrEqual(330);
  });

  it('when another instance invalidates a namespace, then this instance stops serving it from L1 and L2', async () => {
    const prefix = unique('lectern-test');
    const namespace = unique('courses');
    const reader = await instance(prefix);
    const writer = await instance(prefix);
    let stored = 'before';
    const { load } = loader(() => stored);
    await reader.cache.get(namespace, 'page-1', load);
    await reader.redis.ping();

    stored = 'after';
    await writer.cache.invalidate(namespace);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect((await reader.cache.get(namespace, 'page-1', load)).body).toBe('after');
  });
});
