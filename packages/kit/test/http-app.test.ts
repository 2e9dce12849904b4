import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { generateKeyPair, exportJWK, SignJWT, UnsecuredJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticated, requireRole } from '../src/auth-tokens/index.js';
import { baseConfigSchema } from '../src/config/config.js';
import { AppError, errors } from '../src/errors/index.js';
import { createHttpApp, type HttpApp } from '../src/http/index.js';
import { securityHeaders } from '../src/http/security-headers.js';
import { registry } from '../src/metrics/index.js';
import { createTestIssuer, testConfig, type TestIssuer } from '../src/testing/index.js';

let app: HttpApp;
let issuer: TestIssuer;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  app = await createHttpApp({
    config: testConfig(baseConfigSchema, { LOG_LEVEL: 'info', REDIS_URL: undefined }),
    name: 'kit-test',
    redis: null,
    getKey: issuer.getKey,
    docsPrefix: '/api/kit/docs',
    healthAliases: ['/api/kit/health'],
    logStream,
  });
  app.post(
    '/echo',
    {
      schema: {
        body: Type.Object({ email: Type.String({ format: 'email' }), age: Type.Integer({ minimum: 0 }) }),
      },
    },
    (request) => request.body,
  );
  app.get(
    '/items/:id',
    { schema: { params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } },
    (request) => ({
      id: request.params.id,
    }),
  );
  app.get('/boom', () => {
    throw new Error('secret connection string postgres://admin:hunter2@db');
  });
  app.get('/gone', () => {
    throw errors.notFound('The thing is gone.', 'thing_gone');
  });
  app.get('/me', { preHandler: authenticated }, (request) => request.user);
  app.get('/admin', { preHandler: requireRole('admin') }, () => ({ ok: true }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

function problemOf(response: { headers: Record<string, unknown>; json: () => unknown }) {
  expect(response.headers['content-type']).toContain('application/problem+json');
  return response.json() as {
    type: string;
    title: string;
    status: number;
    detail: string;
    code: string;
    errors?: unknown[];
  };
}

describe('errors', () => {
  it('when the JSON body is malformed, then the answer is a 400 problem', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'malformed_json' });
  });

  it('when fields are missing or of the wrong type, then the answer is 422 naming every failing field', async () => {
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { email: 'nope', age: -1 } });
    expect(response.statusCode).toBe(422);
    const problem = problemOf(response);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'body.email' }),
        expect.objectContaining({ field: 'body.age' }),
      ]),
    );
    const missing = await app.inject({ method: 'POST', url: '/echo', payload: {} });
    expect(problemOf(missing).errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'body.email' })]),
    );
  });

  it('when a path parameter is not a number, then the answer is 422 naming it', async () => {
    const response = await app.inject({ method: 'GET', url: '/items/abc' });
    expect(response.statusCode).toBe(422);
    expect(problemOf(response).errors).toEqual([expect.objectContaining({ field: 'params.id' })]);
  });

  it('when the body is over the limit, then the answer is 413', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: { email: 'a@b.co', age: 1, padding: 'x'.repeat(20_000) },
    });
    expect(response.statusCode).toBe(413);
    expect(problemOf(response).code).toBe('payload_too_large');
  });

  it('when a handler throws unexpectedly, then the 500 problem leaks nothing and the log has the details', async () => {
    const response = await app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'boom-1' } });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('at ');
    expect(problemOf(response)).toMatchObject({ code: 'internal_error', status: 500 });
    const logged = logLines.find((line) => line.request_id === 'boom-1' && line.err);
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('when a handler throws an AppError, then its code, status and detail reach the client', async () => {
    const response = await app.inject({ method: 'GET', url: '/gone' });
    expect(response.statusCode).toBe(404);
    expect(problemOf(response)).toEqual({
      type: 'https://lectern.dev/problems/thing-gone',
      title: 'Not Found',
      status: 404,
      detail: 'The thing is gone.',
      code: 'thing_gone',
    });
  });

  it('when no route matches, then the answer is a 404 problem', async () => {
    const response = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(response.statusCode).toBe(404);
    expect(problemOf(response)).toMatchObject({
      code: 'route_not_found',
      detail: 'No route for GET /nowhere.',
    });
  });

  it('when an AppError carries a retry delay, then the problem and the header both say it', () => {
    const problem = errors.tooManyRequests(42).toProblem();
    expect(problem.retry_after).toBe(42);
    expect(new AppError(503, 'x', 'y').toProblem().title).toBe('Service Unavailable');
  });
});

describe('request logging', () => {
  it('when a request is answered, then one JSON line describes it with the request id it was given', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/health?probe=1',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(response.headers['x-request-id']).toBe('abc-123');
    const line = logLines.find((entry) => entry.event === 'http_request' && entry.request_id === 'abc-123');
    expect(line).toMatchObject({
      level: 'info',
      event: 'http_request',
      method: 'GET',
      path: '/health',
      status_code: 200,
      request_id: 'abc-123',
    });
    expect(typeof line?.duration_ms).toBe('number');
    expect(new Date(String(line?.timestamp)).toISOString()).toBe(line?.timestamp);
  });

  it('when the caller sends no or an unsafe request id, then a fresh one is generated and returned', async () => {
    const plain = await app.inject({ method: 'GET', url: '/health' });
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'a b\nc' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('metrics', () => {
  it('when requests are served, then /metrics counts them by route template, never by raw URL', async () => {
    await app.inject({ method: 'GET', url: '/items/7' });
    await app.inject({ method: 'GET', url: '/items/8' });
    await app.inject({ method: 'GET', url: '/no/such/path/123' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/items\/:id",status_code="200"\} \d+/);
    expect(text).not.toContain('route="/items/7"');
    expect(text).toContain('route="unmatched"');
    expect(text).not.toContain('/no/such/path');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/items/:id"}',
    );
    for (const name of [
      'cache_hits_total',
      'cache_misses_total',
      'db_queries_total',
      'db_query_duration_seconds',
      'active_connections',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(await registry.getSingleMetric('http_requests_total')?.get()).toBeDefined();
  });
});

describe('health', () => {
  it('when asked for liveness, then the answer is {"status":"ok"} on /health and its alias', async () => {
    for (const url of ['/health', '/api/kit/health']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    }
  });

  it('when a critical dependency is down, then readiness is 503; an optional one only degrades it', async () => {
    const local = await createHttpApp({
      config: testConfig(baseConfigSchema),
      name: 'ready-test',
      redis: null,
      getKey: issuer.getKey,
      docsPrefix: '/docs',
      logger: false,
    });
    let databaseUp = true;
    local.readiness.add('postgres', {
      critical: true,
      check: () => (databaseUp ? Promise.resolve() : Promise.reject(new Error('down'))),
    });
    local.readiness.add('cache', { critical: false, check: () => Promise.reject(new Error('down')) });
    const ready = await local.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'degraded',
      dependencies: { postgres: 'up', redis: 'disabled', cache: 'down' },
      degraded: ['cache'],
    });
    local.readiness.setDegraded('rate_limit_fallback', true);
    const named = await local.inject({ method: 'GET', url: '/health/ready' });
    expect(named.statusCode).toBe(200);
    expect(named.json()).toMatchObject({ status: 'degraded', degraded: ['cache', 'rate_limit_fallback'] });
    local.readiness.setDegraded('rate_limit_fallback', false);
    databaseUp = false;
    const unready = await local.inject({ method: 'GET', url: '/health/ready' });
    expect(unready.statusCode).toBe(503);
    expect(unready.json()).toMatchObject({ status: 'unavailable', dependencies: { postgres: 'down' } });
    databaseUp = true;
    local.readiness.draining = true;
    const draining = await local.inject({ method: 'GET', url: '/health/ready' });
    expect(draining.statusCode).toBe(503);
    expect(draining.json()).toMatchObject({ status: 'draining' });
    expect(draining.headers.connection).toBe('close');
    const served = await local.inject({ method: 'GET', url: '/health' });
    expect(served.statusCode).toBe(200);
    expect(served.headers.connection).toBe('close');
    await local.close();
  });

  it('when the OpenAPI document is asked for, then it lists the routes', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/kit/docs/json' });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json<{ paths: object }>().paths)).toContain('/health/ready');
  });

  it("when a JSON answer goes out, then it carries the lean API headers of the OWASP REST cheat sheet, not helmet's", async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers['x-frame-options']).toBe('DENY');
    for (const name of [
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'origin-agent-cluster',
      'referrer-policy',
      'strict-transport-security',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ]) {
      expect(response.headers[name], name).toBeUndefined();
    }
  });

  it("when a document (the API docs page) goes out, then it keeps helmet's full set", async () => {
    const response = await app.inject({ method: 'GET', url: '/api/kit/docs/static/index.html' });
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('when a request fails or matches no route, then the answer carries the set of its path', async () => {
    const api = await app.inject({ method: 'GET', url: '/health' });
    const document = await app.inject({ method: 'GET', url: '/api/kit/docs/static/index.html' });
    for (const [url, expected] of [
      ['/api/kit/no-such-route', api],
      ['/health/no-such-route', api],
      ['/no-such-route', document],
    ] as const) {
      const failed = await app.inject({ method: 'GET', url });
      expect(failed.statusCode, url).toBeGreaterThanOrEqual(400);
      // The docs' static files carry swagger-ui's own CSP, so the set is told apart by the other headers.
      for (const name of ['strict-transport-security', 'x-frame-options', 'cross-origin-opener-policy']) {
        expect(failed.headers[name], `${url} ${name}`).toBe(expected.headers[name]);
      }
    }
  });

  it('when helmet is asked once for its headers, then they are what its middleware sets on a response', () => {
    const headers = securityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"] } } });
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['x-powered-by']).toBeUndefined();
    expect(Object.isFrozen(headers)).toBe(true);
  });
});

describe('access tokens', () => {
  const user = { id: 42, email: 'reader@example.com', role: 'student' as const };

  async function expectRejected(token: string) {
    const response = await app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
    expect(problemOf(response).code).toBe('invalid_token');
  }

  it('when the token is valid, then request.user carries id, email, role and session version', async () => {
    const token = await issuer.sign(user);
    const response = await app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ...user, sessionVersion: 0 });
  });

  it('when there is no token, then the answer is 401 with WWW-Authenticate: Bearer', async () => {
    const response = await app.inject({ method: 'GET', url: '/me' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="lectern"');
    expect(problemOf(response).code).toBe('unauthorized');
  });

  it('when the token is expired, or for another audience or issuer, then it is refused', async () => {
    await expectRejected(await issuer.sign(user, { expiresIn: Math.floor(Date.now() / 1000) - 60 }));
    await expectRejected(await issuer.sign(user, { audience: 'someone-else' }));
    await expectRejected(await issuer.sign(user, { issuer: 'evil' }));
  });

  it('when the token uses alg none, then it is refused', async () => {
    const unsigned = new UnsecuredJWT({ email: user.email, role: 'admin' })
      .setSubject('42')
      .setIssuer('lectern-auth')
      .setAudience('lectern')
      .setIssuedAt()
      .setJti('x')
      .setExpirationTime('5m')
      .encode();
    await expectRejected(unsigned);
  });

  it('when the token is HS256-signed with the public key, then it is refused', async () => {
    const publicJwk = issuer.jwks.keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const forged = await new SignJWT({ email: user.email, role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-key' })
      .setSubject('42')
      .setIssuer('lectern-auth')
      .setAudience('lectern')
      .setIssuedAt()
      .setJti('x')
      .setExpirationTime('5m')
      .sign(secret);
    await expectRejected(forged);
  });

  it('when the payload is tampered with, then the signature check refuses it', async () => {
    const [header, payload, signature] = (await issuer.sign(user)).split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload ?? ''))) as Record<
      string,
      unknown
    >;
    const tampered = base64url.encode(JSON.stringify({ ...claims, role: 'admin' }));
    await expectRejected(`${header}.${tampered}.${signature}`);
  });

  it('when the token is signed by an unknown key, then it is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    expect(await exportJWK(publicKey)).toHaveProperty('x');
    const token = await new SignJWT({ email: user.email, role: 'admin' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'test-key' })
      .setSubject('42')
      .setIssuer('lectern-auth')
      .setAudience('lectern')
      .setIssuedAt()
      .setJti('x')
      .setExpirationTime('5m')
      .sign(privateKey);
    await expectRejected(token);
  });

  it('when the role is not allowed, then the answer is 403; the right role passes', async () => {
    const student = await issuer.sign(user);
    const denied = await app.inject({
      method: 'GET',
      url: '/admin',
      headers: { authorization: `Bearer ${student}` },
    });
    expect(denied.statusCode).toBe(403);
    expect(problemOf(denied).code).toBe('forbidden');
    const admin = await issuer.sign({ ...user, role: 'admin' });
    const allowed = await app.inject({
      method: 'GET',
      url: '/admin',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(allowed.statusCode).toBe(200);
  });
});
