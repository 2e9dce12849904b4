import { unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/accounts.js';
import {
  fieldsOf,
  login,
  loginRequest,
  me,
  problem,
  register,
  startAuth,
  strongPassword,
  uniqueEmail,
  uniqueIp,
  type AuthHarness,
} from './helpers.js';

let harness: AuthHarness;

beforeAll(async () => {
  harness = await startAuth();
});

afterAll(async () => {
  await harness.close();
});

function registerRequest(payload: unknown, headers: Record<string, string> = {}) {
  return harness.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    remoteAddress: uniqueIp(),
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

describe('POST /api/auth/register', () => {
  it('when the email is new, then it answers 201 with a student account', async () => {
    const email = uniqueEmail();
    const response = await registerRequest({ email, password: strongPassword });
    expect(response.statusCode).toBe(201);
    const body = response.json<{ id: number; email: string; role: string }>();
    expect(Object.keys(body).sort()).toEqual(['email', 'id', 'role']);
    expect(body).toMatchObject({ email, role: 'student' });
    expect(Number.isSafeInteger(body.id)).toBe(true);
  });

  it('when the body asks for the admin role, then the account is still a student', async () => {
    const response = await registerRequest({ email: uniqueEmail(), password: strongPassword, role: 'admin' });
    expect(response.statusCode).toBe(201);
    expect(response.json<{ role: string }>().role).toBe('student');
  });

  it('when the email has spaces and capitals, then it is stored trimmed and lower-cased', async () => {
    const email = uniqueEmail('Mixed');
    const response = await registerRequest({ email: `  ${email.toUpperCase()}  `, password: strongPassword });
    expect(response.statusCode).toBe(201);
    expect(response.json<{ email: string }>().email).toBe(email.toLowerCase());
    await login(harness.app, email.toUpperCase());
  });

  it('when the email is taken, in any case, then it answers 409 email_taken', async () => {
    const { email } = await register(harness.app);
    const response = await registerRequest({ email: email.toUpperCase(), password: strongPassword });
    expect(response.statusCode).toBe(409);
    expect(problem(response)).toMatchObject({ status: 409, code: 'email_taken' });
  });

  it('when the email is not an address, then it answers 422 naming body.email', async () => {
    for (const email of ['not-an-email', 'a@b', 'two@@example.com', '<script>@example.com', ' ']) {
      const response = await registerRequest({ email, password: strongPassword });
      expect(fieldsOf(response), email).toEqual(['body.email']);
    }
  });

  it('when the email has 254 characters, then it is accepted; with 255, then it answers 422 naming body.email', async () => {
    const ofLength = (length: number) => {
      const local = unique('long').padEnd(64, 'x');
      return `${local}@${'d'.repeat(length - local.length - 5)}.com`;
    };
    expect(ofLength(254)).toHaveLength(254);
    expect((await registerRequest({ email: ofLength(254), password: strongPassword })).statusCode).toBe(201);
    const tooLong = await registerRequest({ email: ofLength(255), password: strongPassword });
    expect(fieldsOf(tooLong)).toEqual(['body.email']);
    expect(problem(tooLong).detail).toMatch(/254/);
  });

  it('when the password is shorter than 8 characters, then it answers 422 naming body.password', async () => {
    const response = await registerRequest({ email: uniqueEmail(), password: 'short' });
    expect(fieldsOf(response)).toEqual(['body.password']);
    expect(problem(response).detail).toMatch(/at least 8/);
  });

  it('when the password has more than 128 characters after NFC, then it answers 422', async () => {
    const response = await registerRequest({ email: uniqueEmail(), password: '🔑'.repeat(129) });
    expect(fieldsOf(response)).toEqual(['body.password']);
    expect(problem(response).detail).toMatch(/at most 128/);
  });

  it('when a password is 128 characters only after NFC, then it is accepted and matches its composed form', async () => {
    const decomposed = 'e\u0301'.repeat(128);
    const composed = '\u00e9'.repeat(128);
    expect(decomposed.length).toBe(256);
    const email = uniqueEmail();
    const response = await registerRequest({ email, password: decomposed });
    expect(response.statusCode).toBe(201);
    await login(harness.app, email, composed);
  });

  it('when a password is any Unicode of 128 emoji, then it is accepted', async () => {
    const response = await registerRequest({ email: uniqueEmail(), password: '🔑'.repeat(128) });
    expect(response.statusCode).toBe(201);
  });

  it('when fields are missing, then it answers 422 naming each', async () => {
    expect(
      (await Promise.all([registerRequest({}), registerRequest({ email: uniqueEmail() })])).map(fieldsOf),
    ).toEqual([['body.email', 'body.password'], ['body.password']]);
  });

  it('when fields have the wrong type, then it answers 422 naming them instead of coercing', async () => {
    const numeric = await registerRequest({ email: uniqueEmail(), password: 123456789012 });
    expect(fieldsOf(numeric)).toEqual(['body.password']);
    const wrapped = await registerRequest({ email: [uniqueEmail()], password: strongPassword });
    expect(fieldsOf(wrapped)).toEqual(['body.email']);
    const notAnObject = await registerRequest([{ email: uniqueEmail(), password: strongPassword }]);
    expect(fieldsOf(notAnObject)).toEqual(['body']);
  });

  it('when the JSON is malformed, then it answers 400 problem+json', async () => {
    const response = await registerRequest('{"email": "a@example.com", "password": ');
    expect(response.statusCode).toBe(400);
    expect(problem(response).code).toBe('malformed_json');
  });

  it('when the body is over 16 KB, then it answers 413 problem+json', async () => {
    const response = await registerRequest({ email: uniqueEmail(), password: 'x'.repeat(17 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(problem(response).code).toBe('payload_too_large');
  });
});

describe('POST /api/auth/login', () => {
  it('when the password is right, then it answers a bearer pair that is never cached', async () => {
    const user = await register(harness.app);
    const response = await loginRequest(harness.app, user.email, user.password);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    const body = response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(900);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('when the password is wrong or the email unknown, then it answers 401 "Invalid credentials"', async () => {
    const user = await register(harness.app);
    for (const response of [
      await loginRequest(harness.app, user.email, 'wrong password!'),
      await loginRequest(harness.app, uniqueEmail('nobody'), 'wrong password!'),
    ]) {
      expect(response.statusCode).toBe(401);
      expect(problem(response)).toMatchObject({ detail: 'Invalid credentials', code: 'invalid_credentials' });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="lectern"');
    }
  });

  it('when the stored hash has weaker parameters, then a successful login upgrades it', async () => {
    const email = uniqueEmail('legacy');
    const { id } = await createAccount(
      harness.infrastructure.database,
      { email, password: strongPassword },
      { parameters: { memoryCost: 8192, timeCost: 1, parallelism: 1 } },
    );
    const storedHash = async () =>
      (
        await harness.infrastructure.database.query<{ password_hash: string }>(
          'select password_hash from auth.users where id = $1',
          [id],
        )
      ).rows[0]?.password_hash;
    expect(await storedHash()).toMatch(/\$m=8192,/);
    await login(harness.app, email);
    expect(await storedHash()).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await login(harness.app, email);
  });

  it('when fields are missing or of the wrong type, then it answers 422 naming them', async () => {
    const missing = await harness.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@example.com' },
    });
    expect(fieldsOf(missing)).toEqual(['body.password']);
    const wrongType = await harness.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@example.com', password: true },
    });
    expect(fieldsOf(wrongType)).toEqual(['body.password']);
  });
});

describe('GET /api/auth/me', () => {
  it('when the token is valid, then it answers the stored account with created_at', async () => {
    const user = await register(harness.app);
    const session = await login(harness.app, user.email);
    const response = await me(harness.app, session.access_token);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<{ id: number; email: string; role: string; created_at: string }>();
    expect(body).toMatchObject({ id: user.id, email: user.email, role: 'student' });
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at);
  });

  it('when there is no token, then it answers 401 with WWW-Authenticate: Bearer', async () => {
    const response = await harness.app.inject({ method: 'GET', url: '/api/auth/me' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(problem(response).code).toBe('unauthorized');
  });
});

describe('the service around the routes', () => {
  it('when the API answers, then the lean API security headers are there', async () => {
    for (const url of ['/health', '/api/auth/.well-known/jwks.json', '/api/auth/me', '/api/auth/nowhere']) {
      const response = await harness.app.inject({ method: 'GET', url });
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['content-security-policy'], url).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(response.headers['x-frame-options'], url).toBe('DENY');
    }
  });

  it("when anything else answers, then helmet's full set is there", async () => {
    for (const url of ['/nowhere', '/api/auth/docs/static/index.html']) {
      const response = await harness.app.inject({ method: 'GET', url });
      expect(response.headers['content-security-policy'], url).toContain("default-src 'self'");
      expect(response.headers['strict-transport-security'], url).toBeDefined();
    }
  });

  it('when health, readiness and metrics are asked, then they answer', async () => {
    for (const url of ['/health', '/api/auth/health']) {
      const response = await harness.app.inject({ method: 'GET', url });
      expect(response.json()).toEqual({ status: 'ok' });
    }
    const ready = await harness.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json<{ dependencies: Record<string, string> }>().dependencies.postgres).toBe('up');
    const metrics = await harness.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('http_requests_total');
  });

  it('when the docs are asked, then the OpenAPI document lists every route with its schemas', async () => {
    const response = await harness.app.inject({ method: 'GET', url: '/api/auth/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
    }>();
    const routes = [
      ['post', '/api/auth/register'],
      ['post', '/api/auth/login'],
      ['post', '/api/auth/refresh'],
      ['post', '/api/auth/logout'],
      ['get', '/api/auth/me'],
      ['get', '/api/auth/users'],
      ['patch', '/api/auth/users/{id}'],
      ['get', '/api/auth/.well-known/jwks.json'],
    ] as const;
    for (const [method, path] of routes) {
      const operation = document.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(1);
      if (method === 'post' || method === 'patch')
        expect(operation?.requestBody, `${method} ${path}`).toBeDefined();
    }
    const page = await harness.app.inject({ method: 'GET', url: '/api/auth/docs' });
    expect(page.statusCode).toBeLessThan(400);
  });
});
