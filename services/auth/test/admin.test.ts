import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ConfigError } from '@lectern/kit';
import { unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin, createAccount, ensureAdmin } from '../src/accounts.js';
import {
  bearer,
  claimsOf,
  fieldsOf,
  login,
  me,
  problem,
  refreshRequest,
  register,
  relaxedLimits,
  startAuth,
  strongPassword,
  uniqueEmail,
  type AuthHarness,
  type Session,
} from './helpers.js';

const adminEmail = uniqueEmail('admin');
const adminPassword = 'admin password that is long';
let harness: AuthHarness;
let admin: Session;

beforeAll(async () => {
  harness = await startAuth({ ...relaxedLimits, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword });
  admin = await login(harness.app, adminEmail, adminPassword);
});

afterAll(async () => {
  await harness.close();
});

/** The harness's settings without its own ADMIN_* values. */
function withoutAdmin() {
  return {
    ...harness.config,
    ADMIN_EMAIL: undefined,
    ADMIN_PASSWORD: undefined,
    ADMIN_PASSWORD_FILE: undefined,
  };
}

function listUsers(query: string, token = admin.access_token) {
  return harness.app.inject({ method: 'GET', url: `/api/auth/users${query}`, headers: bearer(token) });
}

function changeRole(id: number | string, body: unknown, token = admin.access_token) {
  return harness.app.inject({
    method: 'PATCH',
    url: `/api/auth/users/${id}`,
    headers: bearer(token),
    payload: body as object,
  });
}

describe('the first admin', () => {
  it('when ADMIN_EMAIL and ADMIN_PASSWORD are set, then that account is an admin at start', async () => {
    expect(claimsOf(admin.access_token).payload.role).toBe('admin');
    expect((await me(harness.app, admin.access_token)).json<{ role: string }>().role).toBe('admin');
  });

  it('when ADMIN_EMAIL names an existing student, then bootstrap promotes it and keeps its password', async () => {
    const user = await register(harness.app);
    const result = await bootstrapAdmin(harness.infrastructure.database, {
      ...harness.config,
      ADMIN_EMAIL: ` ${user.email.toUpperCase()} `,
      ADMIN_PASSWORD: 'another password entirely',
    });
    expect(result).toMatchObject({ created: false, account: { id: user.id, role: 'admin' } });
    expect(claimsOf((await login(harness.app, user.email, user.password)).access_token).payload.role).toBe(
      'admin',
    );
  });

  it('when ADMIN_PASSWORD_FILE holds the password, then the admin is created with it', async () => {
    const email = uniqueEmail('fileadmin');
    const file = join(harness.config.DATA_DIR, 'admin-password');
    writeFileSync(file, 'password from a secret file\n');
    const result = await bootstrapAdmin(harness.infrastructure.database, {
      ...withoutAdmin(),
      ADMIN_EMAIL: email,
      ADMIN_PASSWORD_FILE: file,
    });
    expect(result?.created).toBe(true);
    await login(harness.app, email, 'password from a secret file');
  });

  it('when ADMIN_EMAIL has no account and no password is given, then bootstrap fails with a ConfigError', async () => {
    const attempt = bootstrapAdmin(harness.infrastructure.database, {
      ...withoutAdmin(),
      ADMIN_EMAIL: uniqueEmail(),
    });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/ADMIN_PASSWORD/);
  });

  it('when ADMIN_PASSWORD breaks the password rules, then bootstrap fails naming ADMIN_PASSWORD', async () => {
    const attempt = bootstrapAdmin(harness.infrastructure.database, {
      ...harness.config,
      ADMIN_EMAIL: uniqueEmail(),
      ADMIN_PASSWORD: 'short',
    });
    await expect(attempt).rejects.toThrow(/ADMIN_PASSWORD must be at least 8 characters/);
  });

  it('when ADMIN_EMAIL is unset, then bootstrap does nothing', async () => {
    await expect(bootstrapAdmin(harness.infrastructure.database, withoutAdmin())).resolves.toBeUndefined();
  });

  it('when ensureAdmin may generate a password, then it creates the admin with a strong one shown once', async () => {
    const email = uniqueEmail('generated');
    const result = await ensureAdmin(harness.infrastructure.database, { email, generate: true });
    expect(result.created).toBe(true);
    expect(result.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const session = await login(harness.app, email, result.generatedPassword);
    expect(claimsOf(session.access_token).payload.role).toBe('admin');
  });
});

describe('createAccount', () => {
  it('when asked for an instructor, then the account logs in as an instructor', async () => {
    const email = uniqueEmail('instructor');
    const account = await createAccount(harness.infrastructure.database, {
      email,
      password: strongPassword,
      role: 'instructor',
    });
    expect(account).toMatchObject({ email, role: 'instructor' });
    expect(claimsOf((await login(harness.app, email)).access_token).payload.role).toBe('instructor');
  });

  it('when the email is taken, then it rejects with a 409 AppError', async () => {
    const { email } = await register(harness.app);
    const attempt = createAccount(harness.infrastructure.database, { email, password: strongPassword });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ statusCode: 409, code: 'email_taken' });
  });
});

describe('GET /api/auth/users', () => {
  it('when an admin lists a page, then it answers accounts by id with X-Total-Count and a next Link', async () => {
    await register(harness.app);
    await register(harness.app);
    const response = await listUsers('?limit=2&offset=0');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const users = response.json<{ id: number; email: string; role: string; created_at: string }[]>();
    expect(users).toHaveLength(2);
    expect(users[0]?.id).toBeLessThan(users[1]?.id ?? 0);
    expect(Object.keys(users[0] ?? {}).sort()).toEqual([
      'created_at',
      'email',
      'email_verified',
      'id',
      'locale',
      'role',
    ]);
    expect(Number(response.headers['x-total-count'])).toBeGreaterThanOrEqual(3);
    expect(response.headers.link).toBe('</api/auth/users?limit=2&offset=2>; rel="next"');
  });

  it('when q is part of an email, then only accounts containing it in any case are listed, and counted', async () => {
    const marker = `needle${randomBytes(4).toString('hex')}`;
    const found = [
      await register(harness.app, `first.${marker}@example.com`),
      await register(harness.app, `second.${marker}@example.com`),
    ];
    await register(harness.app);
    const response = await listUsers(`?limit=1&q=${marker.toUpperCase()}`);
    expect(response.statusCode).toBe(200);
    expect(response.json<{ email: string }[]>().map((user) => user.email)).toEqual([found[0]?.email]);
    expect(response.headers['x-total-count']).toBe('2');
    expect(response.headers.link).toBe(
      `</api/auth/users?limit=1&offset=1&q=${marker.toUpperCase()}>; rel="next"`,
    );
    const second = await listUsers(`?limit=1&offset=1&q=${marker}`);
    expect(second.json<{ email: string }[]>().map((user) => user.email)).toEqual([found[1]?.email]);
  });

  it('when q holds % or _, then they match only themselves; when q is too long, then 422 naming it', async () => {
    const response = await listUsers(`?q=${encodeURIComponent('%_')}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
    expect(response.headers['x-total-count']).toBe('0');
    expect(fieldsOf(await listUsers(`?q=${'a'.repeat(255)}`))).toEqual(['query.q']);
  });

  it('when the page is past the end, then it answers an empty list without a next Link', async () => {
    const response = await listUsers('?limit=100&offset=1000000000');
    expect(response.json()).toEqual([]);
    expect(response.headers.link).toBeUndefined();
    expect(Number(response.headers['x-total-count'])).toBeGreaterThan(0);
  });

  it('when no limit is given, then it answers at most 20', async () => {
    const response = await listUsers('');
    expect(response.statusCode).toBe(200);
    expect(response.json<unknown[]>().length).toBeLessThanOrEqual(20);
  });

  it('when limit or offset is out of range or not a number, then it answers 422 naming it', async () => {
    expect(fieldsOf(await listUsers('?limit=0'))).toEqual(['query.limit']);
    expect(fieldsOf(await listUsers('?limit=101'))).toEqual(['query.limit']);
    expect(fieldsOf(await listUsers('?limit=ten'))).toEqual(['query.limit']);
    expect(fieldsOf(await listUsers('?offset=-1'))).toEqual(['query.offset']);
  });

  it('when the caller is a student, then 403; without a token, then 401', async () => {
    const user = await register(harness.app);
    const student = await login(harness.app, user.email);
    const forbidden = await listUsers('', student.access_token);
    expect(forbidden.statusCode).toBe(403);
    expect(problem(forbidden).code).toBe('forbidden');
    const anonymous = await harness.app.inject({ method: 'GET', url: '/api/auth/users' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('PATCH /api/auth/users/:id', () => {
  it("when an admin changes a role, then it answers the account, the user's sessions end and the next sign-in carries the role", async () => {
    const user = await register(harness.app);
    const session = await login(harness.app, user.email);

    const response = await changeRole(user.id, { role: 'instructor' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: user.id, email: user.email, role: 'instructor' });

    expect((await refreshRequest(harness.app, session.refresh_token)).statusCode).toBe(401);
    const again = await login(harness.app, user.email);
    expect(claimsOf(again.access_token).payload.role).toBe('instructor');
    expect((await me(harness.app, again.access_token)).json<{ role: string }>().role).toBe('instructor');
  });

  it('when the role is unknown, missing or not a string, then it answers 422 naming body.role', async () => {
    const user = await register(harness.app);
    expect(fieldsOf(await changeRole(user.id, { role: 'superuser' }))).toEqual(['body.role']);
    expect(fieldsOf(await changeRole(user.id, {}))).toEqual(['body.role']);
    expect(fieldsOf(await changeRole(user.id, { role: ['admin'] }))).toEqual(['body.role']);
  });

  it('when the id is not a positive integer, then 422 naming params.id; when nobody has it, then 404', async () => {
    expect(fieldsOf(await changeRole('abc', { role: 'student' }))).toEqual(['params.id']);
    expect(fieldsOf(await changeRole(0, { role: 'student' }))).toEqual(['params.id']);
    const missing = await changeRole(2 ** 52, { role: 'student' });
    expect(missing.statusCode).toBe(404);
    expect(problem(missing).code).toBe('user_not_found');
  });

  it('when the caller is not an admin, then 403 before the body is looked at; anonymous, then 401', async () => {
    const user = await register(harness.app);
    const student = await login(harness.app, user.email);
    expect((await changeRole(user.id, { role: 'admin' }, student.access_token)).statusCode).toBe(403);
    expect((await changeRole(user.id, { role: 'nonsense' }, student.access_token)).statusCode).toBe(403);
    const anonymous = await harness.app.inject({
      method: 'PATCH',
      url: `/api/auth/users/${user.id}`,
      payload: {},
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('the last admin', () => {
  // Needs a database where the admins are known: a fresh embedded one, whatever DATABASE_URL says.
  let fresh: AuthHarness;
  let first: Session;
  const firstEmail = uniqueEmail('only');

  beforeAll(async () => {
    fresh = await startAuth({
      ...relaxedLimits,
      DATABASE_URL: undefined,
      // Its own database numbers users from 1 again: its cached session states must not meet the shared ones.
      CACHE_PREFIX: unique('auth'),
      ADMIN_EMAIL: firstEmail,
      ADMIN_PASSWORD: adminPassword,
    });
    first = await login(fresh.app, firstEmail, adminPassword);
  });

  afterAll(async () => {
    await fresh.close();
  });

  function patch(id: number, role: string, token: string) {
    return fresh.app.inject({
      method: 'PATCH',
      url: `/api/auth/users/${id}`,
      headers: bearer(token),
      payload: { role },
    });
  }

  it('when the only admin demotes themself, then it answers 409 last_admin; with a second admin, then it works', async () => {
    const firstId = Number(claimsOf(first.access_token).payload.sub);
    const refused = await patch(firstId, 'student', first.access_token);
    expect(refused.statusCode).toBe(409);
    expect(problem(refused)).toMatchObject({ code: 'last_admin' });
    expect(problem(refused).detail).toMatch(/only admin/);

    const second = await register(fresh.app);
    expect((await patch(second.id, 'admin', first.access_token)).statusCode).toBe(200);
    expect((await patch(firstId, 'instructor', first.access_token)).statusCode).toBe(200);
    const secondSession = await login(fresh.app, second.email);
    expect((await patch(second.id, 'student', secondSession.access_token)).statusCode).toBe(409);
    expect((await patch(firstId, 'admin', secondSession.access_token)).statusCode).toBe(200);
  });

  it('when two admins demote each other at once, then exactly one change wins', async () => {
    const a = await register(fresh.app);
    const b = await register(fresh.app);
    // The test before demoted and re-promoted the first admin, which ended its sessions: sign in again.
    const admin = await login(fresh.app, firstEmail, adminPassword);
    await patch(a.id, 'admin', admin.access_token);
    await patch(b.id, 'admin', admin.access_token);
    await fresh.infrastructure.database.query(
      "update auth.users set role = 'student' where role = 'admin' and id not in ($1, $2)",
      [a.id, b.id],
    );
    const [sessionA, sessionB] = await Promise.all([login(fresh.app, a.email), login(fresh.app, b.email)]);

    const answers = await Promise.all([
      patch(b.id, 'student', sessionA.access_token),
      patch(a.id, 'student', sessionB.access_token),
    ]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 409]);
  });
});
