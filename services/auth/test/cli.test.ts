import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { claimsOf, login, relaxedLimits, startAuth, uniqueEmail } from './helpers.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

async function admin(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--conditions=lectern-source', '--import', 'tsx', cli, ...args],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: process.env.DATABASE_URL,
          REDIS_URL: process.env.REDIS_URL,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'silent',
          NODE_ENV: 'test',
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run admin -- create EMAIL', () => {
  // Each run is a fresh process opening the database (PGlite takes seconds to start when embedded).
  it(
    'when the account is new, then it is created as admin with a printed password; run again, then it is kept',
    { timeout: 240_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'lectern-cli-'));
      const email = uniqueEmail('cli');

      const created = await admin(dataDir, 'create', email);
      expect(created.code, created.stderr).toBe(0);
      const password = /Password \(shown once\): (\S+)/.exec(created.stdout)?.[1] ?? '';
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

      const again = await admin(
        dataDir,
        'create',
        email.toUpperCase(),
        '--password',
        'something else entirely',
      );
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('its password is unchanged');

      const usage = await admin(dataDir, 'create');
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('Usage: npm run admin -- create EMAIL');
      const invalid = await admin(dataDir, 'create', 'not-an-email');
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain('must be an email address');

      const harness = await startAuth({ ...relaxedLimits, DATA_DIR: dataDir });
      try {
        expect(claimsOf((await login(harness.app, email, password)).access_token).payload.role).toBe('admin');
      } finally {
        await harness.close();
      }
    },
  );
});
