import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { HttpApp, Infrastructure } from '@lectern/kit';
import { testConfig, unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../src/app.js';
import { platformConfigSchema } from '../src/config.js';
import { demoLogins, seedDemoData } from '../src/demo-data.js';
import { configTable, readmeTable } from '../../../scripts/config-table.js';
import { readFileSync } from 'node:fs';

const sevenMetrics = [
  'http_requests_total',
  'http_request_duration_seconds',
  'cache_hits_total',
  'cache_misses_total',
  'db_queries_total',
  'db_query_duration_seconds',
  'active_connections',
];

function fakeWebRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'lectern-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Lectern</title><div id="root"></div>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log("app")');
  // What the build writes beside a hashed asset (apps/web/vite.config.ts).
  writeFileSync(join(root, 'assets', 'index-abc123.js.br'), brotliCompressSync('console.log("app")'));
  writeFileSync(join(root, 'assets', 'index-abc123.js.gz'), gzipSync('console.log("app")'));
  return root;
}

describe('the all-in-one platform', () => {
  let app: HttpApp;
  let infrastructure: Infrastructure;
  const adminEmail = `${unique('admin')}@example.com`;

  beforeAll(async () => {
    const config = testConfig(platformConfigSchema, {
      WEB_ROOT: fakeWebRoot(),
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: 'admin-password-1',
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_TIME_COST: '1',
      // Its own rate-limit counters: other test files sign in from the same address at the same time.
      CACHE_PREFIX: unique('lectern-platform-'),
    });
    ({ app, infrastructure } = await buildPlatform(config, { logger: false }));
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('when asked for readiness, then it reports the database and cache it really uses', async () => {
    const response = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      dependencies: {
        postgres: 'up',
        redis: process.env.REDIS_URL ? 'up' : 'disabled',
        ...(process.env.REDIS_URL ? { rate_limits: 'up' } : {}),
      },
    });
    expect(infrastructure.database.kind).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  });

  it("when the four services are registered, then each keeps codERROR's health path and one docs page lists them all", async () => {
    for (const url of [
      '/health',
      '/api/auth/health',
      '/api/courses/health',
      '/api/progress/health',
      '/api/assessments/health',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.json()).toEqual({ status: 'ok' });
    }
    const docs = await app.inject({ method: 'GET', url: '/api/docs/json' });
    const paths = Object.keys(docs.json<{ paths: object }>().paths);
    for (const path of ['/api/auth/login', '/api/courses', '/api/progress/my', '/api/assessments/quizzes']) {
      expect(paths.some((documented) => documented.startsWith(path))).toBe(true);
    }
  });

  it('when ADMIN_EMAIL is set, then that account signs in as admin', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: adminEmail, password: 'admin-password-1' },
    });
    expect(login.statusCode).toBe(200);
    const token = login.json<{ access_token: string }>().access_token;
    const me = await app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.json()).toMatchObject({ email: adminEmail, role: 'admin' });
  });

  it('when there has been traffic, then /metrics shows the seven metrics with real values and promtool accepts it', async () => {
    await app.inject({ method: 'GET', url: '/api/courses?limit=5' });
    await app.inject({ method: 'GET', url: '/api/courses?limit=5' });
    const held = infrastructure.database.query('SELECT pg_sleep(0.4)');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = await app.inject({ method: 'GET', url: '/metrics' });
    await held;
    const text = during.body;
    for (const name of sevenMetrics) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toMatch(/db_query_duration_seconds_count\{operation="select",pool="primary"\} [1-9]/);
    expect(text).toMatch(/db_queries_total\{operation="select",pool="primary"\} [1-9]/);
    expect(text).toMatch(/cache_hits_total\{cache="[^"]+"\} [1-9]/);
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/api\/courses\/?",status_code="200"\} [1-9]/,
    );
    expect(text).toMatch(/^active_connections [1-9]/m);

    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error, 'promtool is missing: apt-get install prometheus').toBeUndefined();
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('when a client-side route is reloaded, then index.html answers, uncached; hashed assets are cached a year', async () => {
    const page = await app.inject({ method: 'GET', url: '/courses/12/lessons/3' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const brotli = await app.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(brotli.rawPayload).toString()).toBe('console.log("app")');
    const gzipped = await app.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe('console.log("app")');
    expect(asset.headers['content-encoding']).toBeUndefined();
    expect(asset.body).toBe('console.log("app")');
    const missingAsset = await app.inject({ method: 'GET', url: '/assets/gone.js' });
    expect(missingAsset.statusCode).toBe(404);
    const unknownApi = await app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(unknownApi.statusCode).toBe(404);
    expect(unknownApi.headers['content-type']).toContain('application/problem+json');
    expect(unknownApi.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

describe('demo data', () => {
  it(
    'when the catalog is empty, then demo courses and the three demo logins are created, once',
    { timeout: 120_000 },
    async () => {
      const config = testConfig(platformConfigSchema, {
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
        DATA_DIR: 'memory://',
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_TIME_COST: '1',
      });
      const { app, infrastructure } = await buildPlatform(config, { logger: false });
      try {
        expect(await seedDemoData(app, infrastructure.database, config)).toBe(true);
        expect(await seedDemoData(app, infrastructure.database, config)).toBe(false);
        const catalog = await app.inject({ method: 'GET', url: '/api/courses?limit=10' });
        const titles = catalog.json<{ title: string }[]>().map((course) => course.title);
        expect(titles).toEqual([
          'Основы Python',
          'FastAPI для бэкенда',
          'Git и GitHub для разработчика',
          'SQL и PostgreSQL',
          'Закрытый семинар по архитектуре',
          'Проверь себя: Python',
        ]);
        const courses = catalog.json<{ id: number; enrollment: string }[]>();
        const sectioned = await app.inject({ method: 'GET', url: `/api/courses/${courses[3]?.id ?? 0}` });
        const sections = sectioned.json<{
          sections: { available_from: string | null; lesson_ids: number[] }[];
        }>().sections;
        expect(sections).toHaveLength(2);
        expect(sections[0]?.available_from).toBeNull();
        const tomorrow = Date.parse(sections[1]?.available_from ?? '') - Date.now();
        expect(tomorrow).toBeGreaterThan(23 * 3_600_000);
        const locked = await app.inject({
          method: 'GET',
          url: `/api/courses/${courses[3]?.id ?? 0}/lessons/${sections[1]?.lesson_ids[0] ?? 0}`,
        });
        expect(locked.json()).toMatchObject({ code: 'not_available_yet' });
        expect(courses[4]?.enrollment).toBe('invite');
        const quizCourse = await app.inject({ method: 'GET', url: `/api/courses/${courses[5]?.id ?? 0}` });
        const quizLessonId = quizCourse.json<{ lessons: { id: number }[] }>().lessons[0]?.id ?? 0;
        const instructorLogin = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: demoLogins[1],
        });
        const questionKinds = async (lessonId: number) => {
          const quiz = await app.inject({
            method: 'GET',
            url: `/api/assessments/quizzes/${lessonId}`,
            headers: {
              authorization: `Bearer ${instructorLogin.json<{ access_token: string }>().access_token}`,
            },
          });
          return quiz.json<{ questions: { kind: string }[] }>().questions.map((question) => question.kind);
        };
        const everyKind = ['single', 'multiple', 'true_false', 'short_text', 'numeric', 'essay'];
        expect(await questionKinds(quizLessonId)).toEqual(everyKind);
        const sqlCourse = await app.inject({ method: 'GET', url: `/api/courses/${courses[3]?.id ?? 0}` });
        const sqlQuizLessons = sqlCourse
          .json<{ lessons: { id: number; kind: string }[] }>()
          .lessons.filter((lesson) => lesson.kind === 'quiz');
        expect(sqlQuizLessons).toHaveLength(1);
        expect(await questionKinds(sqlQuizLessons[0]?.id ?? 0)).toEqual(everyKind);
        for (const login of demoLogins) {
          const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: login });
          expect(response.statusCode).toBe(200);
        }
      } finally {
        await app.close();
      }
    },
  );
});

describe('README', () => {
  it('when the config schema changes, then the README table must match it (npm run config-table)', () => {
    expect(readmeTable(readFileSync('README.md', 'utf8'))).toBe(configTable());
  });
});
