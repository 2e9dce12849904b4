import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, pingRedis } from '../src/redis/index.js';
import { freePort, outputUntilExit, runFixture, stop } from './fixtures/processes.js';

const redisUrl = process.env.REDIS_URL;

describe('createRedis', () => {
  const clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });

  async function unreachableUrl(): Promise<string> {
    return `redis://127.0.0.1:${await freePort()}`;
  }

  // Needs a Redis server.
  it.runIf(!!redisUrl)('when Redis is reachable, then pingRedis resolves', async () => {
    const redis = createRedis(redisUrl ?? '', { name: 'redis-test' });
    clients.push(redis);
    await once(redis, 'ready');
    await expect(pingRedis(redis)).resolves.toBeUndefined();
  });

  it('when Redis is unreachable, then commands and pings fail at once instead of queueing', async () => {
    const redis = createRedis(await unreachableUrl());
    clients.push(redis);
    const startedAt = performance.now();
    await expect(redis.get('anything')).rejects.toThrow();
    await expect(pingRedis(redis)).rejects.toThrow();
    expect(performance.now() - startedAt).toBeLessThan(100);
  });

  it('when Redis stays unreachable, then it keeps reconnecting and reports the outage only once', async () => {
    const errors: Error[] = [];
    const redis = createRedis(await unreachableUrl(), { onError: (error) => errors.push(error) });
    clients.push(redis);
    let attempts = 0;
    redis.on('reconnecting', () => attempts++);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(errors).toHaveLength(1);
  });

  it('when quit() is called while Redis is unreachable, then the client stops reconnecting', async () => {
    const redis = createRedis(await unreachableUrl());
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(redis.quit()).resolves.toBe('OK');
    let attempts = 0;
    redis.on('reconnecting', () => attempts++);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(attempts).toBe(0);
  });

  async function exitDelayAfterQuit(url: string, mode: 'connected' | 'unreachable'): Promise<number> {
    const child = runFixture('redis-quit.ts', [url, mode]);
    try {
      const output = await outputUntilExit(child, 10_000);
      const delay = /exited (\d+) ms after quit/.exec(output ?? '')?.[1];
      if (delay === undefined) throw new Error(`fixture did not exit cleanly: ${String(output)}`);
      return Number(delay);
    } finally {
      await stop(child);
    }
  }

  it('when quit() is called while Redis is unreachable, then nothing keeps the process alive', async () => {
    expect(await exitDelayAfterQuit(await unreachableUrl(), 'unreachable')).toBeLessThan(500);
  });

  // Needs a Redis server.
  it.runIf(!!redisUrl)(
    'when quit() is called on a connected client, then nothing keeps the process alive',
    async () => {
      expect(await exitDelayAfterQuit(redisUrl ?? '', 'connected')).toBeLessThan(500);
    },
  );
});
