import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from '@lectern/kit/testing';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  login,
  me,
  problem,
  refreshRequest,
  register,
  relaxedLimits,
  startAuth,
  strongPassword,
  uniqueEmail,
  uniqueIp,
  type AuthHarness,
} from './helpers.js';

function tokenFrom(mail: ReceivedMail, page: string): string {
  const match = new RegExp(`https://lectern\\.test${page}#token=([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match?.[1]) throw new Error(`no ${page} link in: ${mail.text}`);
  return match[1];
}

function post(harness: AuthHarness, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return harness.app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    headers,
    remoteAddress: uniqueIp(),
  });
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Every test file's workers share the database; a queue schema of this file's own keeps their workers (with
 * other mail settings) from taking these mails.
 */
function ownJobsSchema(): string {
  return `jobs_test_${randomBytes(4).toString('hex')}`;
}

async function dropJobsSchema(schema: string): Promise<void> {
  if (!process.env.DATABASE_URL) return;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

describe('password reset and e-mail verification through SMTP', () => {
  const jobsSchema = ownJobsSchema();
  let smtp: TestSmtpServer;
  let harness: AuthHarness;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    harness = await startAuth({
      ...relaxedLimits,
      SMTP_URL: smtp.url,
      ACCOUNT_MAIL_PER_HOUR: '3',
      JOBS_SCHEMA: jobsSchema,
    });
  });

  afterAll(async () => {
    await harness.close();
    await smtp.stop();
    await dropJobsSchema(jobsSchema);
  });

  it('mails a verification link on sign-up, in the language given, and the link verifies the address once', async () => {
    const email = uniqueEmail('verify');
    const response = await post(harness, '/api/auth/register', {
      email,
      password: strongPassword,
      locale: 'ru',
    });
    expect(response.statusCode).toBe(201);
    const mail = await smtp.waitForMail(email);
    expect(mail.subject).toBe('Подтвердите e-mail в Lectern');
    expect(mail.html).toContain('Подтвердить e-mail');
    const token = tokenFrom(mail, '/account/verify-email');
    expect(mail.html).toContain(token);

    const session = await login(harness.app, email);
    expect((await me(harness.app, session.access_token)).json()).toMatchObject({
      email_verified: false,
      locale: 'ru',
    });
    expect((await post(harness, '/api/auth/email/verify', { token })).statusCode).toBe(204);
    expect((await me(harness.app, session.access_token)).json()).toMatchObject({ email_verified: true });

    const again = await post(harness, '/api/auth/email/verify', { token });
    expect(again.statusCode).toBe(400);
    expect(problem(again).code).toBe('invalid_token');
  });

  it('resends a verification link to a signed-in account, and nothing once it is verified', async () => {
    const { email } = await register(harness.app, uniqueEmail('resend'));
    const first = await smtp.waitForMail(email);
    const session = await login(harness.app, email);
    const since = smtp.received.length;
    const resend = await post(harness, '/api/auth/email/verification', {}, bearer(session.access_token));
    expect(resend.statusCode).toBe(202);
    const second = await smtp.waitForMail(email, { since });
    expect(tokenFrom(second, '/account/verify-email')).not.toBe(tokenFrom(first, '/account/verify-email'));

    expect(
      (await post(harness, '/api/auth/email/verify', { token: tokenFrom(second, '/account/verify-email') }))
        .statusCode,
    ).toBe(204);
    const sent = smtp.received.length;
    expect(
      (await post(harness, '/api/auth/email/verification', {}, bearer(session.access_token))).statusCode,
    ).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(smtp.received.length).toBe(sent);
    expect((await post(harness, '/api/auth/email/verification', {})).statusCode).toBe(401);
  });

  it('answers forgot the same for an unknown address, and a reset link ends every session once', async () => {
    const { email } = await register(harness.app, uniqueEmail('reset'));
    await smtp.waitForMail(email);
    const sessions = [await login(harness.app, email), await login(harness.app, email)];

    const since = smtp.received.length;
    const known = await post(harness, '/api/auth/password/forgot', { email: email.toUpperCase() });
    const unknown = await post(harness, '/api/auth/password/forgot', { email: uniqueEmail('nobody') });
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    const mail = await smtp.waitForMail(email, { since });
    expect(mail.subject).toBe('Reset your Lectern password');
    const token = tokenFrom(mail, '/account/reset-password');

    const weak = await post(harness, '/api/auth/password/reset', { token, password: 'short' });
    expect(weak.statusCode).toBe(422);
    const newPassword = 'a brand new passphrase';
    expect(
      (await post(harness, '/api/auth/password/reset', { token, password: newPassword })).statusCode,
    ).toBe(204);

    for (const session of sessions) {
      expect((await refreshRequest(harness.app, session.refresh_token)).statusCode).toBe(401);
    }
    expect((await post(harness, '/api/auth/login', { email, password: strongPassword })).statusCode).toBe(
      401,
    );
    await login(harness.app, email, newPassword);

    for (const reused of [token, 'x'.repeat(43), 'not a token']) {
      const response = await post(harness, '/api/auth/password/reset', {
        token: reused,
        password: 'yet another passphrase',
      });
      expect(response.statusCode).toBe(400);
      expect(problem(response).code).toBe('invalid_token');
    }
    // Only the known address got mail.
    expect(
      smtp.received
        .slice(since)
        .map((entry) => entry.to)
        .flat(),
    ).toEqual([email]);
  });

  it('refuses a reset token once 30 minutes have passed', async () => {
    const { email, id } = await register(harness.app, uniqueEmail('expired'));
    await smtp.waitForMail(email);
    const since = smtp.received.length;
    await post(harness, '/api/auth/password/forgot', { email });
    const token = tokenFrom(await smtp.waitForMail(email, { since }), '/account/reset-password');
    await harness.infrastructure.database.db.execute(
      sql`update auth.one_time_tokens set created_at = now() - interval '31 minutes', expires_at = now() - interval '1 minute' where user_id = ${id} and purpose = 'password_reset'`,
    );
    const response = await post(harness, '/api/auth/password/reset', {
      token,
      password: 'a brand new passphrase',
    });
    expect(response.statusCode).toBe(400);
    expect(problem(response).code).toBe('invalid_token');
  });

  it('mails one address at most ACCOUNT_MAIL_PER_HOUR times an hour, and still answers 202', async () => {
    const { email, id } = await register(harness.app, uniqueEmail('limit'));
    await smtp.waitForMail(email);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      expect((await post(harness, '/api/auth/password/forgot', { email })).statusCode).toBe(202);
    }
    const { database } = harness.infrastructure;
    await until(async () => {
      const { rows } = await database.query<{ waiting: string }>(
        `select count(*) as waiting from ${jobsSchema}.job where name like 'auth-%' and state in ('created', 'retry', 'active')`,
      );
      return Number(rows[0]?.waiting) === 0;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.received.filter((mail) => mail.to.includes(email))).toHaveLength(3);
    const { rows } = await database.query<{ tokens: string }>(
      'select count(*) as tokens from auth.one_time_tokens where user_id = $1',
      [id],
    );
    expect(Number(rows[0]?.tokens)).toBe(3);
  });

  it('keeps a mail while the SMTP server is down and delivers it once the server is back', async () => {
    const { email } = await register(harness.app, uniqueEmail('outage'));
    await smtp.waitForMail(email);
    await smtp.stop();
    const since = smtp.received.length;
    expect((await post(harness, '/api/auth/password/forgot', { email })).statusCode).toBe(202);
    const { database } = harness.infrastructure;
    await until(async () => {
      const { rows } = await database.query<{ retrying: string }>(
        `select count(*) as retrying from ${jobsSchema}.job where name = 'auth-mail' and state = 'retry' and data->>'to' = $1`,
        [email],
      );
      return Number(rows[0]?.retrying) === 1;
    });
    await smtp.start();
    const mail = await smtp.waitForMail(email, { since, timeoutMs: 30_000 });
    expect(tokenFrom(mail, '/account/reset-password')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('mail without SMTP_URL', () => {
  it('writes each mail to DATA_DIR/mail as an .eml file with its link', async () => {
    const jobsSchema = ownJobsSchema();
    const harness = await startAuth({ ...relaxedLimits, SMTP_URL: undefined, JOBS_SCHEMA: jobsSchema });
    try {
      const email = uniqueEmail('eml');
      await register(harness.app, email);
      const folder = join(harness.config.DATA_DIR, 'mail');
      let files: string[] = [];
      await until(async () => {
        files = await readdir(folder).catch(() => []);
        return files.length > 0;
      });
      expect(files[0]).toMatch(/\.eml$/);
      const eml = await readFile(join(folder, files[0] ?? ''), 'utf8');
      expect(eml).toContain(`To: ${email}`);
      expect(eml).toContain('Subject: Confirm your e-mail for Lectern');
      expect(eml).toMatch(/Content-Type: text\/html/);
      expect(eml).toContain('https://lectern.test/account/verify-email#token=');
    } finally {
      await harness.close();
      await dropJobsSchema(jobsSchema);
    }
  });
});
