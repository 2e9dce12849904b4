import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loginRequest,
  problem,
  register,
  relaxedLimits,
  startAuth,
  strongPassword,
  uniqueEmail,
  uniqueIp,
  type AuthHarness,
  type AuthTestApp,
} from './helpers.js';

const limited = { AUTH_RATE_LIMIT_MAX: '10', AUTH_ACCOUNT_RATE_LIMIT_MAX: '30' };

/** Counts only start once Redis answers (the kit lets requests through while it cannot count them). */
async function redisReady(app: AuthTestApp): Promise<void> {
  if (!process.env.REDIS_URL) return;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    if (ready.json<{ dependencies: Record<string, string> }>().dependencies.redis === 'up') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('Redis never became ready');
}

function expectRateLimited(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(problem(response)).toMatchObject({ status: 429, code: 'rate_limited', retry_after: retryAfter });
}

describe('attempt limits (AUTH_RATE_LIMIT_MAX=10)', () => {
  let harness: AuthHarness;

  beforeAll(async () => {
    harness = await startAuth(limited);
    await redisReady(harness.app);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('when one IP makes an 11th login attempt in a minute, then it answers 429 with Retry-After', async () => {
    const ip = uniqueIp();
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await loginRequest(harness.app, uniqueEmail(), 'wrong password!', ip);
      expect(response.statusCode, `attempt ${attempt}`).toBe(401);
      expect(response.headers['x-ratelimit-limit']).toBe('10');
      expect(response.headers['x-ratelimit-remaining']).toBe(String(10 - attempt));
    }
    expectRateLimited(await loginRequest(harness.app, uniqueEmail(), 'wrong password!', ip));
    expect((await loginRequest(harness.app, uniqueEmail(), 'wrong password!', uniqueIp())).statusCode).toBe(
      401,
    );
  });

  it('when one IP makes an 11th registration in a minute, then it answers 429', async () => {
    const ip = uniqueIp();
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      await register(harness.app, uniqueEmail(), strongPassword, ip);
    }
    const response = await harness.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      remoteAddress: ip,
      payload: { email: uniqueEmail(), password: strongPassword },
    });
    expectRateLimited(response);
  });

  it('when one email gets an 11th login attempt in a minute from one IP, then that IP gets 429 for it', async () => {
    const email = uniqueEmail('victim');
    const attacker = uniqueIp();
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      expect((await loginRequest(harness.app, email, 'wrong password!', attacker)).statusCode).toBe(401);
    }
    expectRateLimited(await loginRequest(harness.app, ` ${email} `, 'wrong password!', attacker));
    expect((await loginRequest(harness.app, email, 'wrong password!', uniqueIp())).statusCode).toBe(401);
  });

  it("when strangers fail a few times from other IPs, then the owner's right password still signs in", async () => {
    const { email } = await register(harness.app);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expect((await loginRequest(harness.app, email, 'wrong password!', uniqueIp())).statusCode).toBe(401);
    }
    expect((await loginRequest(harness.app, email, strongPassword, uniqueIp())).statusCode).toBe(200);
  });

  it('when one email is guessed from many IPs, then past AUTH_ACCOUNT_RATE_LIMIT_MAX every IP gets 429 for it', async () => {
    const email = uniqueEmail('guessed');
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      expect((await loginRequest(harness.app, email, 'wrong password!', uniqueIp())).statusCode).toBe(401);
    }
    const refused = await loginRequest(harness.app, email, 'wrong password!', uniqueIp());
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60);
    expect((await loginRequest(harness.app, uniqueEmail(), 'wrong password!', uniqueIp())).statusCode).toBe(
      401,
    );
  });

  it('when an untrusted peer sends X-Forwarded-For, then its bucket stays its own address', async () => {
    const peer = uniqueIp();
    const attempt = (forwardedFor: string, remoteAddress = peer) =>
      harness.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress,
        headers: { 'x-forwarded-for': forwardedFor },
        payload: { email: uniqueEmail(), password: 'wrong password!' },
      });
    for (let count = 1; count <= 10; count += 1) {
      expect((await attempt(uniqueIp())).statusCode).toBe(401);
    }
    expectRateLimited(await attempt(uniqueIp()));
    expect((await attempt(peer, uniqueIp())).statusCode).toBe(401);
  });

  it('when the password is wrong or the email unknown, then the answers are the same but for the request id', async () => {
    const user = await register(harness.app);
    const wrongPassword = await loginRequest(harness.app, user.email, 'not the password', uniqueIp());
    const unknownEmail = await loginRequest(
      harness.app,
      uniqueEmail('nobody'),
      'not the password',
      uniqueIp(),
    );
    const comparable = (response: LightMyRequestResponse) => {
      const headers: Record<string, unknown> = { ...response.headers };
      delete headers['x-request-id'];
      delete headers.date;
      return { status: response.statusCode, body: response.body, headers };
    };
    expect(wrongPassword.statusCode).toBe(401);
    expect(comparable(unknownEmail)).toEqual(comparable(wrongPassword));
  });
});

describe.runIf(!!process.env.REDIS_URL)('attempt limits across replicas sharing Redis', () => {
  let first: AuthHarness;
  let second: AuthHarness;

  beforeAll(async () => {
    [first, second] = await Promise.all([startAuth(limited), startAuth(limited)]);
    await Promise.all([redisReady(first.app), redisReady(second.app)]);
  });

  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  it('when login attempts from one IP alternate between two instances, then the 11th is 429', async () => {
    const ip = uniqueIp();
    const apps = [first.app, second.app];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const app = apps[attempt % 2] ?? first.app;
      expect((await loginRequest(app, uniqueEmail(), 'wrong password!', ip)).statusCode).toBe(401);
    }
    expectRateLimited(await loginRequest(first.app, uniqueEmail(), 'wrong password!', ip));
    expectRateLimited(await loginRequest(second.app, uniqueEmail(), 'wrong password!', ip));
  });

  it('when login attempts for one email from one IP alternate between two instances, then the 11th is 429', async () => {
    const email = uniqueEmail('shared');
    const ip = uniqueIp();
    const apps = [first.app, second.app];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const app = apps[attempt % 2] ?? first.app;
      expect((await loginRequest(app, email, 'wrong password!', ip)).statusCode).toBe(401);
    }
    expectRateLimited(await loginRequest(first.app, email, 'wrong password!', ip));
  });
});

describe('the password-hashing cap', () => {
  let harness: AuthHarness;

  beforeAll(async () => {
    harness = await startAuth({
      ...relaxedLimits,
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE_MAX: '0',
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('when more logins arrive than may hash or wait, then the extra ones get 503 with Retry-After', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => loginRequest(harness.app, uniqueEmail(), 'wrong password!')),
    );
    const busy = answers.filter((answer) => answer.statusCode === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer.statusCode === 401).length).toBeGreaterThan(0);
    expect(busy.length + answers.filter((answer) => answer.statusCode === 401).length).toBe(8);
    for (const answer of busy) {
      expect(answer.headers['retry-after']).toBe('1');
      expect(problem(answer).code).toBe('auth_busy');
    }
    expect((await loginRequest(harness.app, uniqueEmail(), 'wrong password!')).statusCode).toBe(401);
  });
});
