import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const sevenMetrics = [
  'http_requests_total',
  'http_request_duration_seconds',
  'cache_hits_total',
  'cache_misses_total',
  'db_queries_total',
  'db_query_duration_seconds',
  'active_connections',
];

async function waitReady(base: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited early:\n${output()}`);
    const ok = await fetch(`${base}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready:\n${output()}`);
}

interface Running {
  base: string;
  child: ChildProcess;
}

const running: Running[] = [];
const ports: Record<string, number> = {};

async function startService(service: string, env: Record<string, string>): Promise<Running> {
  const port = ports[service] ?? 0;
  const child = spawn(process.execPath, [`services/${service}/dist/server.js`], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = { base: `http://127.0.0.1:${port}`, child };
  running.push(started);
  await waitReady(started.base, child, () => output);
  return started;
}

describe('each service entry point on its own', () => {
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    if (!existsSync('services/progress/dist/server.js')) {
      spawnSync(process.execPath, ['scripts/build.mjs', '--backend'], { stdio: 'inherit' });
    }
    for (const service of ['auth', 'courses', 'progress', 'assessments']) ports[service] = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'lectern-services-'));
    const shared = {
      DATA_DIR: dataDir,
      AUTH_JWKS_URL: `http://127.0.0.1:${ports.auth}/api/auth/.well-known/jwks.json`,
      COURSES_URL: `http://127.0.0.1:${ports.courses}`,
      PROGRESS_URL: `http://127.0.0.1:${ports.progress}`,
      RATE_LIMIT_MAX: '100000',
      AUTH_RATE_LIMIT_MAX: '100000',
      DB_POOL_SIZE: '2',
      DB_MAX_OVERFLOW: '4',
    };
    // Without DATABASE_URL each process gets its own embedded database in its own folder.
    for (const service of ['auth', 'courses', 'progress', 'assessments']) {
      const env = process.env.DATABASE_URL ? shared : { ...shared, DATA_DIR: join(dataDir, service) };
      urls[service] = (await startService(service, env)).base;
    }
  });

  afterAll(async () => {
    await Promise.all(
      running.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  });

  it('when each has served traffic, then its /metrics shows the seven metrics with values and promtool accepts it', async () => {
    const email = `metrics-${Date.now()}@example.com`;
    const password = 'metrics-password-1';
    await fetch(`${urls.auth}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const login = await fetch(`${urls.auth}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const authorization = { authorization: `Bearer ${token}` };
    for (let i = 0; i < 2; i += 1) {
      expect((await fetch(`${urls.courses}/api/courses?limit=3`)).status).toBe(200);
      expect((await fetch(`${urls.progress}/api/progress/my`, { headers: authorization })).status).toBe(200);
      expect((await fetch(`${urls.auth}/api/auth/me`, { headers: authorization })).status).toBe(200);
      expect(
        (
          await fetch(`${urls.assessments}/api/assessments/quizzes/9007199254740000`, {
            headers: authorization,
          })
        ).status,
      ).toBe(404);
    }

    for (const [service, base] of Object.entries(urls)) {
      const text = await (await fetch(`${base}/metrics`)).text();
      for (const name of sevenMetrics) expect(text, `${service} lacks ${name}`).toContain(`# TYPE ${name} `);
      expect(text, `${service} timed no query`).toMatch(
        /db_query_duration_seconds_count\{operation="select",pool="primary"\} [1-9]/,
      );
      // Assessments has nothing to answer 200 to without a course of an instructor: its 404s are counted too.
      const answered = service === 'assessments' ? '\\d{3}' : '200';
      expect(text, `${service} counted no request`).toMatch(
        new RegExp(
          `http_requests_total\\{method="GET",route="/api/[^"]+",status_code="${answered}"\\} [1-9]`,
        ),
      );
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.error, 'promtool is missing: apt-get install prometheus').toBeUndefined();
      expect(`${check.stdout}${check.stderr}`, `${service}: promtool`).toBe('');
      expect(check.status).toBe(0);
    }
    const coursesMetrics = await (await fetch(`${urls.courses}/metrics`)).text();
    expect(coursesMetrics).toMatch(/cache_hits_total\{cache="[^"]+"\} [1-9]/);
  }, 120_000);

  it('when stopped with SIGTERM, then each drains and exits 0', async () => {
    const codes = await Promise.all(
      running.map(
        ({ child }) =>
          new Promise<number | null>((resolve) => {
            child.once('exit', (code) => resolve(code));
            child.kill('SIGTERM');
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
  }, 60_000);
});
