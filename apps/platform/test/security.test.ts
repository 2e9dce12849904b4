import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp as buildAuth } from '@lectern/auth';
import { buildApp as buildCourses } from '@lectern/courses';
import type { HttpApp } from '@lectern/kit';
import { testConfig, unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfigSchema } from '@lectern/auth';
import { coursesConfigSchema } from '@lectern/courses';
import { buildPlatform } from '../src/app.js';
import { platformConfigSchema } from '../src/config.js';

/** Cheap hashes; attempt limits out of the way (their own tests meet them). */
const cheapHashing = {
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_TIME_COST: '1',
  AUTH_RATE_LIMIT_MAX: '100000',
};
const password = 'a long enough password';

/** A client of a listening Lectern: every call goes over a real socket, as an attacker's would. */
function client(base: string) {
  const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return { status: response.status, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  const session = async (email: string, secret = password) => {
    const answer = await call('POST', '/api/auth/login', { body: { email, password: secret } });
    expect(answer.status).toBe(200);
    return answer.json() as { access_token: string; refresh_token: string };
  };
  const account = async (authBase = base) => {
    const email = `${unique('sec')}@example.com`;
    const answer = await client(authBase).call('POST', '/api/auth/register', { body: { email, password } });
    expect(answer.status).toBe(201);
    return { id: answer.json().id as number, email };
  };
  return { call, session, account };
}

async function listen(app: HttpApp): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('the all-in-one platform on its public port', () => {
  let app: HttpApp;
  let api: ReturnType<typeof client>;
  let admin: { access_token: string };
  const adminEmail = `${unique('secadmin')}@example.com`;

  beforeAll(async () => {
    const config = testConfig(platformConfigSchema, {
      ...cheapHashing,
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: password,
      WEB_ROOT: mkdtempSync(join(tmpdir(), 'lectern-web-')),
      TRUSTED_PROXIES: '127.0.0.1',
    });
    ({ app } = await buildPlatform(config, { logger: false }));
    api = client(await listen(app));
    admin = await api.session(adminEmail);
  });

  afterAll(async () => {
    await app.close();
  });

  const setRole = (id: number, role: string, token = admin.access_token) =>
    api.call('PATCH', `/api/auth/users/${id}`, { token, body: { role } });

  it('when an admin is demoted, then their old token can neither re-promote them nor list users, and their refresh token is dead', async () => {
    const other = await api.account();
    expect((await setRole(other.id, 'admin')).status).toBe(200);
    const demoted = await api.session(other.email);
    expect((await api.call('GET', '/api/auth/users', { token: demoted.access_token })).status).toBe(200);

    expect((await setRole(other.id, 'student')).status).toBe(200);
    const promoteSelf = await setRole(other.id, 'admin', demoted.access_token);
    expect(promoteSelf.status).toBe(401);
    expect(promoteSelf.json().code).toBe('invalid_token');
    expect((await api.call('GET', '/api/auth/users', { token: demoted.access_token })).status).toBe(401);
    const refresh = await api.call('POST', '/api/auth/refresh', {
      body: { refresh_token: demoted.refresh_token },
    });
    expect(refresh.status).toBe(401);

    const again = await api.session(other.email);
    expect((await setRole(other.id, 'admin', again.access_token)).status).toBe(403);
  });

  it('when an instructor is demoted, then their old token can no longer create, change or delete courses, yet still reads', async () => {
    const teacher = await api.account();
    expect((await setRole(teacher.id, 'instructor')).status).toBe(200);
    const { access_token: token } = await api.session(teacher.email);
    const created = await api.call('POST', '/api/courses', { token, body: { title: unique('Course') } });
    expect(created.status).toBe(201);
    const courseId = created.json().id as number;

    expect((await setRole(teacher.id, 'student')).status).toBe(200);
    expect((await api.call('POST', '/api/courses', { token, body: { title: 'again' } })).status).toBe(401);
    expect(
      (await api.call('PUT', `/api/courses/${courseId}`, { token, body: { title: 'renamed' } })).status,
    ).toBe(401);
    expect((await api.call('DELETE', `/api/courses/${courseId}`, { token })).status).toBe(401);
    expect((await api.call('GET', `/api/courses/${courseId}`, { token })).status).toBe(200);
  });

  it('when a promotion happens, then the next sign-in acts with the new role at once', async () => {
    const user = await api.account();
    const before = await api.session(user.email);
    expect(
      (await api.call('POST', '/api/courses', { token: before.access_token, body: { title: 'x' } })).status,
    ).toBe(403);
    expect((await setRole(user.id, 'instructor')).status).toBe(200);
    const after = await api.session(user.email);
    const created = await api.call('POST', '/api/courses', {
      token: after.access_token,
      body: { title: unique('C') },
    });
    expect(created.status).toBe(201);
  });

  it('when /internal/ is asked for over the network, in any spelling, then it does not exist; progress still reaches it in-process', async () => {
    const teacher = await api.account();
    await setRole(teacher.id, 'instructor');
    const { access_token: token } = await api.session(teacher.email);
    const course = await api.call('POST', '/api/courses', {
      token,
      body: { title: unique('Draft'), published: false },
    });
    const courseId = course.json().id as number;
    const lesson = await api.call('POST', `/api/courses/${courseId}/lessons`, {
      token,
      body: { title: 'one', content: 'text' },
    });
    const lessonId = lesson.json().id as number;

    for (const path of [
      `/internal/courses/${courseId}/outline`,
      `/%69nternal/courses/${courseId}/outline`,
      `/internal/courses/lessons/${lessonId}`,
      `/internal/auth/sessions/${teacher.id}`,
    ]) {
      const answer = await api.call('GET', path);
      expect(answer.status, path).toBe(404);
      expect(JSON.stringify(answer.json())).not.toContain('owner');
    }
    const completed = await api.call('POST', `/api/progress/${lessonId}/complete`, { token });
    expect(completed.status).toBe(200);
  });

  it('when a string carries NUL or a number is infinite or past 2^53, then every service answers 422 naming the field', async () => {
    const teacher = await api.account();
    await setRole(teacher.id, 'instructor');
    const { access_token: token } = await api.session(teacher.email);
    const course = await api.call('POST', '/api/courses', { token, body: { title: unique('Nul') } });
    const courseId = course.json().id as number;
    const probes: [string, string, string, unknown?, string?][] = [
      ['GET', '/api/courses?q=%00', 'query.q'],
      ['GET', '/api/auth/users?q=%00', 'query.q', undefined, admin.access_token],
      ['POST', '/api/courses', 'body.title', { title: 'a\u0000b' }, token],
      ['POST', '/api/courses', 'body.description', { title: 'ok', description: '\u0000' }, token],
      ['PUT', `/api/courses/${courseId}`, 'body.title', { title: '\u0000' }, token],
      ['POST', `/api/courses/${courseId}/lessons`, 'body.content', { title: 't', content: 'x\u0000' }, token],
      ['POST', `/api/courses/${courseId}/lessons`, 'body.title', { title: '\u0000', content: 'x' }, token],
      ['GET', '/api/courses/Infinity', 'params.id'],
      ['GET', '/api/courses/1e309', 'params.id'],
      ['GET', '/api/courses?offset=Infinity', 'query.offset'],
      ['GET', '/api/courses?offset=1e309', 'query.offset'],
      ['GET', '/api/courses?offset=-Infinity', 'query.offset'],
      ['GET', '/api/auth/users?offset=1e300', 'query.offset', undefined, admin.access_token],
      ['GET', '/api/auth/users?offset=Infinity', 'query.offset', undefined, admin.access_token],
      ['PATCH', '/api/auth/users/Infinity', 'params.id', { role: 'student' }, admin.access_token],
      ['GET', '/api/progress/my?offset=Infinity', 'query.offset', undefined, token],
      ['GET', '/api/progress/my?limit=1e309', 'query.limit', undefined, token],
      ['POST', '/api/progress/Infinity/complete', 'params.lesson_id', undefined, token],
      ['GET', '/api/progress/courses/1e309', 'params.course_id', undefined, token],
      [
        'POST',
        `/api/courses/${courseId}/lessons`,
        'body.order',
        { title: 't', content: 'x', order: 1e300 },
        token,
      ],
    ];
    for (const [method, path, field, body, bearer] of probes) {
      const answer = await api.call(method, path, {
        ...(body === undefined ? {} : { body }),
        ...(bearer === undefined ? {} : { token: bearer }),
      });
      const label = `${method} ${path} ${JSON.stringify(body)}`;
      expect(answer.status, label).toBe(422);
      const fields = (answer.json().errors as { field: string }[]).map((error) => error.field);
      expect(fields, label).toContain(field);
    }
  });

  it('when a browser signs in in cookie mode, then the refresh token is an HttpOnly SameSite=Strict cookie for refresh and logout only', async () => {
    const { email } = await api.account();
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'x-refresh-token-mode': 'cookie', 'x-forwarded-proto': 'https' },
      payload: { email, password },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).not.toHaveProperty('refresh_token');
    const cookies = [login.headers['set-cookie'] ?? []].flat();
    expect(cookies.map((cookie) => /Path=([^;]+)/.exec(cookie)?.[1]).sort()).toEqual([
      '/api/auth/logout',
      '/api/auth/refresh',
    ]);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/^lectern_refresh=[A-Za-z0-9_-]{43};/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain('Secure');
    }
    const first = /^lectern_refresh=([^;]+)/.exec(cookies[0] ?? '')?.[1] ?? '';

    const refreshed = await app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: `lectern_refresh=${first}` },
      payload: {},
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json()).toHaveProperty('access_token');
    expect(refreshed.json()).not.toHaveProperty('refresh_token');
    expect(String(refreshed.headers['set-cookie'])).not.toContain('Secure');
    const second = /lectern_refresh=([^;]+)/.exec(String(refreshed.headers['set-cookie']))?.[1] ?? '';
    expect(second).not.toBe(first);

    const reused = await app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: `lectern_refresh=${first}` },
      payload: {},
    });
    expect(reused.statusCode).toBe(401);
    expect(String(reused.headers['set-cookie'])).toContain('Max-Age=0');

    const apiClient = await api.call('POST', '/api/auth/login', { body: { email, password } });
    expect(typeof apiClient.json().refresh_token).toBe('string');
    const loggedOut = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: `lectern_refresh=${apiClient.json().refresh_token as string}` },
      payload: {},
    });
    expect(loggedOut.statusCode).toBe(204);
    expect(String(loggedOut.headers['set-cookie'])).toContain('Max-Age=0');
    const afterLogout = await api.call('POST', '/api/auth/refresh', {
      body: { refresh_token: apiClient.json().refresh_token },
    });
    expect(afterLogout.status).toBe(401);
  });

  it('when /metrics or /health/ready is asked from a public address, then it does not exist; loopback and private networks see it', async () => {
    for (const url of ['/metrics', '/health/ready']) {
      expect((await app.inject({ url, remoteAddress: '203.0.113.9' })).statusCode, url).toBe(404);
      expect((await app.inject({ url, remoteAddress: '2001:db8::1' })).statusCode, url).toBe(404);
      expect((await app.inject({ url, remoteAddress: '10.20.30.40' })).statusCode, url).toBe(200);
      expect((await app.inject({ url, remoteAddress: '127.0.0.1' })).statusCode, url).toBe(200);
      const forged = await app.inject({
        url,
        remoteAddress: '203.0.113.9',
        headers: { 'x-forwarded-for': '127.0.0.1' },
      });
      expect(forged.statusCode, url).toBe(404);
    }
    expect((await app.inject({ url: '/health', remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
  });

  it('when an email differs from a taken one only by case, width or invisible characters, then it is no second account', async () => {
    const { email } = await api.account();
    const [local = '', domain = ''] = email.split('@');
    // ASCII letters and digits to their fullwidth forms (U+FF01..U+FF5E mirror U+0021..U+007E).
    const fullwidth = local.replace(/[a-z0-9]/g, (c) => String.fromCodePoint(c.charCodeAt(0) + 0xfee0));
    expect(
      (await api.call('POST', '/api/auth/register', { body: { email: email.toUpperCase(), password } }))
        .status,
    ).toBe(409);
    expect(
      (await api.call('POST', '/api/auth/register', { body: { email: `${fullwidth}@${domain}`, password } }))
        .status,
    ).toBe(409);
    for (const hidden of ['\u200b', '\u202e', '\u2066', '\u00ad', '\ufeff', '\u200d']) {
      const answer = await api.call('POST', '/api/auth/register', {
        body: { email: `${local.slice(0, 2)}${hidden}${local.slice(2)}@${domain}`, password },
      });
      expect(answer.status, JSON.stringify(hidden)).toBe(422);
      expect(answer.json().errors).toEqual([expect.objectContaining({ field: 'body.email' })]);
    }
    expect(
      (await api.call('POST', '/api/auth/login', { body: { email: `${fullwidth}@${domain}`, password } }))
        .status,
    ).toBe(200);
  });
});

describe('auth and courses run apart (cluster, Swarm)', () => {
  let auth: HttpApp;
  let courses: HttpApp;
  let authApi: ReturnType<typeof client>;
  let coursesApi: ReturnType<typeof client>;
  const adminEmail = `${unique('secadmin')}@example.com`;

  beforeAll(async () => {
    auth = await buildAuth(
      testConfig(authConfigSchema, { ...cheapHashing, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: password }),
      { logger: false },
    );
    const authBase = await listen(auth);
    courses = await buildCourses(
      testConfig(coursesConfigSchema, { AUTH_JWKS_URL: `${authBase}/api/auth/.well-known/jwks.json` }),
      { logger: false },
    );
    authApi = client(authBase);
    coursesApi = client(await listen(courses));
  });

  afterAll(async () => {
    await courses.close();
    await auth.close();
  });

  it("when auth demotes an instructor, then the courses service refuses the old token's next write", async () => {
    const admin = await authApi.session(adminEmail);
    const teacher = await authApi.account();
    const promote = (role: string) =>
      authApi.call('PATCH', `/api/auth/users/${teacher.id}`, { token: admin.access_token, body: { role } });
    expect((await promote('instructor')).status).toBe(200);
    const { access_token: token } = await authApi.session(teacher.email);
    expect(
      (await coursesApi.call('POST', '/api/courses', { token, body: { title: unique('C') } })).status,
    ).toBe(201);

    expect((await promote('student')).status).toBe(200);
    expect(
      (await coursesApi.call('POST', '/api/courses', { token, body: { title: unique('C') } })).status,
    ).toBe(401);
  });
});

function modes(root: string): { path: string; mode: number }[] {
  const found = [{ path: root, mode: statSync(root).mode & 0o777 }];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) found.push(...modes(path));
    else found.push({ path, mode: statSync(path).mode & 0o777 });
  }
  return found;
}

describe('the embedded database on disk', () => {
  it('when the platform runs on PGlite, then DATA_DIR and everything under it are private to the user', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'lectern-perm-')), 'data');
    const config = testConfig(platformConfigSchema, {
      ...cheapHashing,
      DATABASE_URL: undefined,
      CACHE_PREFIX: unique('perm'),
      DATA_DIR: dataDir,
      ADMIN_EMAIL: `${unique('admin')}@example.com`,
      ADMIN_PASSWORD: password,
      WEB_ROOT: mkdtempSync(join(tmpdir(), 'lectern-web-')),
    });
    const { app } = await buildPlatform(config, { logger: false });
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    } finally {
      await app.close();
    }
    const open = modes(dataDir).filter(({ mode }) => (mode & 0o077) !== 0);
    expect(open).toEqual([]);
    expect(modes(dataDir).length).toBeGreaterThan(100);
  }, 120_000);
});
