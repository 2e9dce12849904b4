import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lectern/kit/testing';
import { describe, expect, it } from 'vitest';

interface Started {
  child: ChildProcess;
  output: () => string;
}

async function npmStart(dataDir: string, port: number): Promise<Started> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    // As a laptop start: vitest sets NODE_ENV=test, and demo data is made only in development.
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const child = spawn(process.execPath, ['scripts/start.mjs'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok && output.includes('Lectern is running')) return { child, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`npm start did not serve /health:\n${output}`);
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('npm start on the embedded defaults', () => {
  it('when started twice on one data folder, then the second start reuses the data and the demo logins work', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lectern-start-'));
    const port = await freePort();

    const first = await npmStart(dataDir, port);
    expect(first.output()).toContain('demo data created');
    expect(first.output()).toContain(`http://localhost:${port}`);
    const catalog = await fetch(`http://127.0.0.1:${port}/api/courses?limit=10`);
    expect(((await catalog.json()) as unknown[]).length).toBe(6);
    expect(await stop(first.child)).toBe(0);

    const second = await npmStart(dataDir, port);
    try {
      expect(second.output()).not.toContain('demo data created');
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'student@example.com', password: 'lectern-student' }),
      });
      expect(login.status).toBe(200);
      const again = await fetch(`http://127.0.0.1:${port}/api/courses?limit=10`);
      expect(((await again.json()) as unknown[]).length).toBe(6);
      const page = await fetch(`http://127.0.0.1:${port}/courses/1`);
      expect(page.headers.get('content-type')).toContain('text/html');
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  }, 600_000);
});
