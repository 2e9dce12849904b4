import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lectern/kit/testing';
import { describe, expect, it } from 'vitest';

interface Run {
  code: number | null;
  output: string;
}

/** `npm start` (or another platform script) as an operator runs it, on a private embedded database. */
function runPlatform(
  script: string,
  env: Record<string, string>,
  options: { untilServing?: boolean } = {},
): Promise<Run & { stop?: () => Promise<number | null> }> {
  const childEnv: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'warn', ...env };
  delete childEnv.DATABASE_URL;
  delete childEnv.REDIS_URL;
  const child = spawn(process.execPath, [script], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish:\n${output}`));
    }, 240_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    if (!options.untilServing) return;
    const poll = setInterval(() => {
      if (!output.includes('Lectern is running')) return;
      clearInterval(poll);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        code: null,
        output,
        stop: () =>
          new Promise((done) => {
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    }, 200);
    child.once('exit', () => clearInterval(poll));
  });
}

async function login(port: number, email: string, password: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return response.status;
}

describe('demo accounts and production', () => {
  it('when started with NODE_ENV=production on an empty data folder, then no demo account exists', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lectern-prod-'));
    const port = await freePort();
    const started = await runPlatform(
      'scripts/start.mjs',
      {
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        PORT: String(port),
        ADMIN_EMAIL: 'owner@lectern.test',
        ADMIN_PASSWORD: 'owner-password-1',
      },
      { untilServing: true },
    );
    try {
      expect(started.output).not.toContain('demo');
      expect(await login(port, 'admin@example.com', 'lectern-admin')).toBe(401);
      expect(await login(port, 'owner@lectern.test', 'owner-password-1')).toBe(200);
      const catalog = await fetch(`http://127.0.0.1:${port}/api/courses`);
      expect(await catalog.json()).toEqual([]);
    } finally {
      expect(await started.stop?.()).toBe(0);
    }
  }, 300_000);

  it('when DEMO_DATA=true is asked for in production, then the start is refused', async () => {
    const run = await runPlatform('apps/platform/dist/server.js', {
      NODE_ENV: 'production',
      DEMO_DATA: 'true',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'lectern-prod-')),
      PORT: String(await freePort()),
    });
    expect(run.code).toBe(1);
    expect(run.output).toContain('DEMO_DATA=true is refused when NODE_ENV=production');
  }, 300_000);

  it('when a development run left the demo accounts, then a production start refuses, says how to remove them, and starts once they are gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lectern-prod-'));
    const port = await freePort();
    const development = await runPlatform(
      'apps/platform/dist/server.js',
      { NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(port) },
      { untilServing: true },
    );
    expect(development.output).toContain('demo data created');
    expect(await development.stop?.()).toBe(0);

    const refused = await runPlatform('apps/platform/dist/server.js', {
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      PORT: String(port),
    });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('admin@example.com (admin)');
    expect(refused.output).toContain('npm run demo:remove');
    expect(refused.output).not.toContain('Lectern is running');

    const removed = await runPlatform('apps/platform/dist/demo-cli.js', { DATA_DIR: dataDir });
    expect(removed.code).toBe(0);
    expect(removed.output).toContain('removed the demo accounts: admin@example.com');

    const production = await runPlatform(
      'apps/platform/dist/server.js',
      { NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port) },
      { untilServing: true },
    );
    try {
      expect(await login(port, 'admin@example.com', 'lectern-admin')).toBe(401);
      expect(await login(port, 'instructor@example.com', 'lectern-instructor')).toBe(401);
    } finally {
      expect(await production.stop?.()).toBe(0);
    }
  }, 600_000);
});
