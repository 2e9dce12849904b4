import { randomUUID } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Cache, computeEtag, minCompressedBodyBytes, type CacheEntry } from '../src/cache/index.js';
import { preferredCoding } from '../src/http/index.js';
import { createRedis } from '../src/redis/index.js';
import { connected } from './fixtures/processes.js';

const redisUrl = process.env.REDIS_URL;

function unique(name: string): string {
  return `${name}-${randomUUID().slice(0, 8)}`;
}

/** A catalog-like page: large enough to compress, varied enough not to be trivial. */
function catalogPage(count = 20): string {
  return JSON.stringify(
    Array.from({ length: count }, (_, index) => ({
      id: index + 1,
      title: `Course ${index + 1}: ${randomUUID()}`,
      description: `Ünïcode description of course ${index + 1}, long enough to be worth compressing.`,
      lessons_count: index * 3,
    })),
  );
}

function expectDecodesToBody(entry: CacheEntry): void {
  const identity = Buffer.from(entry.body, 'utf8');
  expect(entry.encodings.identity.bytes.equals(identity)).toBe(true);
  const { br, gzip } = entry.encodings;
  expect(br && brotliDecompressSync(br.bytes).equals(identity)).toBe(true);
  expect(gzip && gunzipSync(gzip.bytes).equals(identity)).toBe(true);
  expect(br && br.bytes.length < identity.length).toBe(true);
  expect(gzip && gzip.bytes.length < identity.length).toBe(true);
}

const all = Object.freeze({
  identity: { bytes: Buffer.from('x'), etag: '"i"' },
  br: { bytes: Buffer.from('b'), etag: '"i-br"' },
  gzip: { bytes: Buffer.from('g'), etag: '"i-gzip"' },
});

describe('preferredCoding', () => {
  it('when a browser sends gzip, deflate, br, then brotli is chosen', () => {
    expect(preferredCoding('gzip, deflate, br', all)).toBe('br');
    expect(preferredCoding('br, gzip', all)).toBe('br');
  });

  it('when there is no Accept-Encoding, then identity is sent', () => {
    expect(preferredCoding(undefined, all)).toBe('identity');
    expect(preferredCoding('', all)).toBe('identity');
  });

  it('when q-values rank gzip above brotli, then gzip is chosen', () => {
    expect(preferredCoding('br;q=0.5, gzip;q=0.9', all)).toBe('gzip');
    expect(preferredCoding('br;q=0, gzip', all)).toBe('gzip');
    expect(preferredCoding('x-gzip', all)).toBe('gzip');
  });

  it('when only unknown codings or q=0 are offered, then identity is the fallback', () => {
    expect(preferredCoding('deflate', all)).toBe('identity');
    expect(preferredCoding('gzip;q=0, br;q=0', all)).toBe('identity');
    expect(preferredCoding('identity;q=0, deflate', all)).toBe('identity');
  });

  it('when * is offered, then it stands for every coding not named', () => {
    expect(preferredCoding('*', all)).toBe('br');
    expect(preferredCoding('br;q=0, *;q=0.5', all)).toBe('gzip');
    expect(preferredCoding('*;q=0', all)).toBe('identity');
  });

  it('when identity is preferred over the others, then identity is sent', () => {
    expect(preferredCoding('identity, gzip;q=0.5', all)).toBe('identity');
  });

  it('when the entry holds only identity, then identity is sent whatever the client accepts', () => {
    expect(preferredCoding('br, gzip', { identity: all.identity })).toBe('identity');
  });
});

describe('Cache entries in every coding, L1 only', () => {
  it('when a large body is filled, then brotli and gzip copies decompress to the identity bytes', async () => {
    const cache = await Cache.create({ redis: null });
    const body = catalogPage();
    const entry = await cache.get('catalog', 'page-1', () => Promise.resolve({ body }));

    expectDecodesToBody(entry);
    expect(entry.etag).toBe(computeEtag(body));
    expect(entry.encodings.identity.etag).toBe(entry.etag);
    expect(new Set([entry.etag, entry.encodings.br?.etag, entry.encodings.gzip?.etag]).size).toBe(3);
    // An L1 hit is the same object: nothing is compressed again.
    expect(await cache.get('catalog', 'page-1', () => Promise.reject(new Error('no load')))).toBe(entry);
    await cache.close();
  });

  it('when a body is too small to gain, then the entry holds identity only', async () => {
    const cache = await Cache.create({ redis: null });
    const body = 'x'.repeat(minCompressedBodyBytes - 1);
    const entry = await cache.get('catalog', 'small', () => Promise.resolve({ body }));
    expect(Object.keys(entry.encodings)).toEqual(['identity']);
    await cache.close();
  });

  it('when the loader says compress: false, then nothing is compressed', async () => {
    const cache = await Cache.create({ redis: null });
    const entry = await cache.get('outlines', 'big', () =>
      Promise.resolve({ body: catalogPage(), compress: false }),
    );
    expect(Object.keys(entry.encodings)).toEqual(['identity']);
    await cache.close();
  });
});

// Needs a Redis server.
describe.runIf(!!redisUrl)('Cache entries in every coding, through L2', () => {
  const url = redisUrl ?? '';
  const clients: Redis[] = [];
  const caches: Cache[] = [];
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()));
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });

  async function instance(prefix: string): Promise<{ cache: Cache; redis: Redis }> {
    const redis = createRedis(url, { name: 'cache-encodings-test' });
    clients.push(redis);
    await connected(redis);
    const cache = await Cache.create({ redis, prefix });
    caches.push(cache);
    return { cache, redis };
  }

  it('when another instance reads an entry from L2, then it gets the same bytes in every coding without compressing', async () => {
    const prefix = unique('lectern-test');
    const namespace = unique('courses');
    const filler = await instance(prefix);
    const reader = await instance(prefix);
    const body = catalogPage();
    const filled = await filler.cache.get(namespace, 'page-1', () =>
      Promise.resolve({ body, headers: { 'x-total-count': '20' } }),
    );
    await filler.redis.ping();

    const read = await reader.cache.get(namespace, 'page-1', () => Promise.reject(new Error('no load')));

    expect(read).not.toBe(filled);
    expectDecodesToBody(read);
    expect(read.body).toBe(body);
    expect(read.headers).toEqual({ 'x-total-count': '20' });
    for (const coding of ['identity', 'br', 'gzip'] as const) {
      expect(read.encodings[coding]?.etag).toBe(filled.encodings[coding]?.etag);
      expect(read.encodings[coding]?.bytes.equals(filled.encodings[coding]?.bytes ?? Buffer.alloc(0))).toBe(
        true,
      );
    }
  });

  it('when an L2 value is malformed, then the entry is loaded again instead of failing the read', async () => {
    const prefix = unique('lectern-test');
    const namespace = unique('courses');
    const { cache, redis } = await instance(prefix);
    const version = String(Date.now());
    await redis.set(`${prefix}:v:${namespace}`, version);
    // Declares more gzip bytes than there are.
    await redis.set(
      `${prefix}:d2:${namespace}:${version}:page-1`,
      `${JSON.stringify({ etag: '"x"', headers: {}, lengths: { identity: 2, gzip: 50 } })}\n[]`,
    );
    const entry = await cache.get(namespace, 'page-1', () => Promise.resolve({ body: '[1]' }));
    expect(entry.body).toBe('[1]');
  });
});
