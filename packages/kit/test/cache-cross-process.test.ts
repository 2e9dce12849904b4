import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Cache, type CacheLoadResult } from '../src/cache/index.js';
import { createRedis } from '../src/redis/index.js';
import { connected, exitCode, runFixture, stop } from './fixtures/processes.js';

const redisUrl = process.env.REDIS_URL;

describe('Cache across processes', () => {
  let peer: ChildProcess | undefined;
  let cache: Cache | undefined;
  let redis: Redis | undefined;
  afterEach(async () => {
    await stop(peer);
    await cache?.close();
    await redis?.quit();
  });

  // Needs a Redis server: invalidations travel through its pub/sub.
  it.runIf(!!redisUrl)(
    'when another process invalidates a namespace, then this process reads fresh data within 100 ms',
    async () => {
      const url = redisUrl ?? '';
      const prefix = `lectern-test-${randomUUID().slice(0, 8)}`;
      const namespace = `courses-${randomUUID().slice(0, 8)}`;
      redis = createRedis(url, { name: 'cache-cross-process-test' });
      await connected(redis);
      // A long L1 TTL, so only the invalidation message can explain a fresh read.
      cache = await Cache.create({ redis, prefix, l1TtlMs: 60_000 });

      peer = runFixture('cache-peer.ts', [url, prefix]);
      const stdout = peer.stdout;
      if (!stdout) throw new Error('peer has no stdout');
      const lines = createInterface({ input: stdout })[Symbol.asyncIterator]();
      expect((await lines.next()).value).toBe('ready');

      let stored = 'before';
      const load = (): Promise<CacheLoadResult> => Promise.resolve({ body: stored });
      expect((await cache.get(namespace, 'page-1', load)).body).toBe('before');
      stored = 'after';
      expect((await cache.get(namespace, 'page-1', load)).body).toBe('before');

      const sentAt = performance.now();
      peer.stdin?.write(`invalidate ${namespace}\n`);
      let freshAfterMs: number | null = null;
      while (performance.now() - sentAt < 2_000) {
        if ((await cache.get(namespace, 'page-1', load)).body === 'after') {
          freshAfterMs = performance.now() - sentAt;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }

      expect(freshAfterMs).not.toBeNull();
      expect(freshAfterMs).toBeLessThan(100);
      expect((await lines.next()).value).toBe(`invalidated ${namespace}`);

      // The peer closes its cache and client when its input ends; nothing may keep it alive after that.
      peer.stdin?.end();
      expect(await exitCode(peer, 5_000)).toBe(0);
    },
  );
});
