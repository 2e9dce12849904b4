import { randomBytes } from 'node:crypto';
import { buildApp, authConfigSchema } from '@lectern/auth';
import { startTestSmtpServer, testConfig, unique, type TestSmtpServer } from '@lectern/kit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from '../src/app.js';
import { workerConfigSchema } from '../src/config.js';

const databaseUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL;

// Two processes' worth of apps on one database: only a PostgreSQL server can be shared like that.
describe.skipIf(databaseUrl === undefined)('the worker', () => {
  const jobsSchema = `jobs_test_${randomBytes(4).toString('hex')}`;
  const shared = {
    JOBS_SCHEMA: jobsSchema,
    JOBS_POLL_INTERVAL_SECONDS: '0.5',
    JOBS_RETRY_DELAY_SECONDS: '1',
    PUBLIC_URL: 'https://lectern.test',
    AUTH_RATE_LIMIT_MAX: '100000',
  };
  let smtp: TestSmtpServer;
  let auth: Awaited<ReturnType<typeof buildApp>>;
  let worker: Awaited<ReturnType<typeof buildWorker>>['app'];

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    // The API process only enqueues; it has no SMTP settings at all.
    auth = await buildApp(testConfig(authConfigSchema, shared), { logger: false });
    ({ app: worker } = await buildWorker(testConfig(workerConfigSchema, { ...shared, SMTP_URL: smtp.url }), {
      logger: false,
    }));
    await Promise.all([auth.ready(), worker.ready()]);
  });

  afterAll(async () => {
    await auth.close();
    await worker.close();
    await smtp.stop();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${jobsSchema} cascade`);
    await client.end();
  });

  it("sends the mail an API replica enqueued, and reports the queue's metrics", async () => {
    const email = `${unique('worker')}@example.com`;
    const registered = await auth.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password: 'correct horse battery staple' },
    });
    expect(registered.statusCode).toBe(201);
    const mail = await smtp.waitForMail(email);
    expect(mail.text).toContain('https://lectern.test/account/verify-email#token=');

    const metrics = (await worker.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/jobs_total\{queue="auth-mail",state="completed"\} [1-9]/);
    expect(metrics).toContain('jobs_queue_depth{queue="auth-mail"}');
    expect(metrics).toContain('jobs_oldest_waiting_seconds{queue="auth-mail"}');
    expect(metrics).toContain('jobs_dead{queue="auth-mail"}');
  });

  it('answers health and readiness, and nothing else', async () => {
    expect((await worker.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await worker.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect((await worker.inject({ method: 'GET', url: '/api/auth/me' })).statusCode).toBe(404);
  });
});
