import { baseConfigSchema } from '../src/config/config.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from '../src/http/index.js';
import { createRedis } from '../src/redis/index.js';
import { createTestIssuer, testConfig, unique } from '../src/testing/index.js';
import { connected } from './fixtures/processes.js';

async function limitedApp(options: {
  trustedProxies?: string;
  redisUrl?: string | undefined;
}): Promise<HttpApp> {
  const issuer = await createTestIssuer();
  const config = testConfig(baseConfigSchema, {
    RATE_LIMIT_MAX: '3',
    TRUSTED_PROXIES: options.trustedProxies ?? '',
    REDIS_URL: options.redisUrl,
  });
  const redis = options.redisUrl ? createRedis(options.redisUrl) : null;
  // Until it is connected the limiter skips Redis (fail open, by design), so count only once it is.
  if (redis) await connected(redis);
  const app = await createHttpApp({
    config,
    name: 'rate-limit-test',
    redis,
    getKey: issuer.getKey,
    docsPrefix: '/docs',
    logger: false,
  });
  app.get('/ping', () => ({ pong: true }));
  app.addHook('onClose', () => redis?.disconnect());
  await app.ready();
  return app;
}

describe('rate limits', () => {
  let untrusting: HttpApp;
  let behindProxy: HttpApp;

  beforeAll(async () => {
    untrusting = await limitedApp({});
    behindProxy = await limitedApp({ trustedProxies: '127.0.0.1' });
  });
  afterAll(async () => {
    await untrusting.close();
    await behindProxy.close();
  });

  it('when a client exceeds the limit, then it gets 429 with Retry-After and a problem body', async () => {
    const remoteAddress = '10.1.0.1';
    for (let i = 0; i < 3; i += 1) {
      expect((await untrusting.inject({ url: '/ping', remoteAddress })).statusCode).toBe(200);
    }
    const limited = await untrusting.inject({ url: '/ping', remoteAddress });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((await untrusting.inject({ url: '/health', remoteAddress })).statusCode).toBe(200);
  });

  it('when an untrusted peer spoofs X-Forwarded-For, then it still shares its own bucket', async () => {
    const remoteAddress = '10.1.0.2';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await untrusting.inject({
        url: '/ping',
        remoteAddress,
        headers: { 'x-forwarded-for': `203.0.113.${i}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('when the peer is a trusted proxy, then each forwarded client has its own bucket', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await behindProxy.inject({
        url: '/ping',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
  });

  // Only Redis makes two processes share one bucket; without it each process counts alone by design.
  it.runIf(Boolean(process.env.REDIS_URL))(
    'when two app instances share Redis, then they share one bucket per client',
    async () => {
      const first = await limitedApp({ redisUrl: process.env.REDIS_URL });
      const second = await limitedApp({ redisUrl: process.env.REDIS_URL });
      const remoteAddress = `10.2.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const app = i % 2 === 0 ? first : second;
        statuses.push(
          (await app.inject({ url: '/ping', remoteAddress, headers: { 'x-test': unique() } })).statusCode,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      await first.close();
      await second.close();
    },
  );
});
