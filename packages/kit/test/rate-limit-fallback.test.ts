import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfigSchema } from '../src/config/config.js';
import { createHttpApp, type HttpApp } from '../src/http/index.js';
import { createRedis } from '../src/redis/index.js';
import { createTestIssuer, testConfig, unique } from '../src/testing/index.js';
import { connected, freePort, startRedisServer, stop, until } from './fixtures/processes.js';

describe('rate limits when Redis goes away', () => {
  let server: ChildProcess | undefined;
  let app: HttpApp;
  let port: number;
  let logLines: string[];
  const prefix = unique('rlfallback');

  beforeAll(async () => {
    port = await freePort();
    server = await startRedisServer(port);
    const redis = createRedis(`redis://127.0.0.1:${port}`);
    await connected(redis);
    const logStream = new PassThrough();
    logLines = [];
    logStream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString().split('\n').filter(Boolean)));
    app = await createHttpApp({
      config: testConfig(baseConfigSchema, {
        RATE_LIMIT_MAX: '10',
        REDIS_URL: `redis://127.0.0.1:${port}`,
        CACHE_PREFIX: prefix,
        LOG_LEVEL: 'info',
      }),
      name: 'rate-limit-fallback-test',
      redis,
      getKey: (await createTestIssuer()).getKey,
      docsPrefix: '/docs',
      logStream,
    });
    app.get('/ping', () => ({ pong: true }));
    app.addHook('onClose', () => redis.disconnect());
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await stop(server);
  });

  const ping = (remoteAddress: string) => app.inject({ url: '/ping', remoteAddress });
  const events = (name: string) => logLines.filter((line) => line.includes(`"event":"${name}"`));

  it('when Redis is up, then counters live under the deployment prefix and readiness is ok', async () => {
    expect((await ping('10.9.0.1')).statusCode).toBe(200);
    const probe = createRedis(`redis://127.0.0.1:${port}`);
    try {
      await connected(probe);
      const keys = await probe.keys('*');
      expect(keys.some((key) => key.startsWith(`${prefix}:rl:`) && key.endsWith('ip:10.9.0.1'))).toBe(true);
      expect(keys.filter((key) => key.includes('undefined'))).toEqual([]);
    } finally {
      probe.disconnect();
    }
    const ready = await app.inject({ url: '/health/ready' });
    expect(ready.json()).toMatchObject({ status: 'ok', dependencies: { rate_limits: 'up' } });
  });

  it('when Redis stops, then limits hold per replica at half, the log says so once, readiness is degraded, and all returns with Redis', async () => {
    await stop(server);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await ping('10.9.0.2')).statusCode);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual(Array<number>(20).fill(429));
    expect(events('rate_limit_fallback')).toHaveLength(1);

    const ready = await app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'degraded',
      dependencies: { rate_limits: 'down' },
    });

    server = await startRedisServer(port);
    await until(
      async () => (await ping('10.9.0.3')).statusCode === 200 && events('rate_limit_shared').length === 1,
      15_000,
      'shared limits back',
    );
    const back = await app.inject({ url: '/health/ready' });
    expect(back.json()).toMatchObject({ status: 'ok', dependencies: { rate_limits: 'up' } });
    expect(events('rate_limit_fallback')).toHaveLength(1);
  }, 60_000);
});
