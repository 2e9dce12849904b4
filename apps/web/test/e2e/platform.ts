import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDatabase, unique } from '@lectern/kit/testing';

/** The repository root (this file is apps/web/test/e2e/platform.ts). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

const serverEntry = join(repoRoot, 'apps/platform/dist/server.js');
const webIndex = join(repoRoot, 'apps/web/dist/index.html');

/** Builds the back end and the web app unless both outputs are already there (`npm test` builds first). */
export function ensureBuilt(): void {
  if (existsSync(serverEntry) && existsSync(webIndex)) return;
  const result = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`node scripts/build.mjs failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** A port nobody listens on right now: the kernel picks one for a throwaway listener. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

export interface PlatformOptions {
  adminEmail: string;
  adminPassword: string;
  readyTimeoutMs?: number;
  /** The port to listen on, when the test must know the platform's URL before it starts (a provider's callback URL). */
  port?: number;
  /** Extra settings, e.g. SMTP_URL for a test's mail server. */
  env?: Record<string, string>;
}

export interface Platform {
  baseUrl: string;
  /** What the process printed so far (stdout and stderr), for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** What the platform prints once it listens: until then, whatever answers on its port is not this platform. */
const LISTENING = 'Lectern is running on';

/** The platform could not listen on its port: something took it after freePort() found it free. */
class PortTakenError extends Error {}

/**
 * Starts `node apps/platform/dist/server.js` on a free port with a fresh DATA_DIR, high rate limits (every browser
 * request comes from 127.0.0.1), and waits for /health/ready. With DATABASE_URL it gets a database of its own
 * (dropped when it stops) and a cache prefix of its own: platforms of test files running at once must not take
 * each other's jobs (a mail sent by the wrong process never reaches the test's mail server) nor read each other's
 * cached rows under the same ids.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  // A port freePort() found is free only until the platform binds it, seconds later (migrations come first): another
  // process may take it meanwhile. The platform then exits, and starts again on another port; a port the caller
  // chose is kept (it is already in URLs given out, e.g. a provider's callback).
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOn(options, options.port ?? (await freePort()));
    } catch (error) {
      if (!(error instanceof PortTakenError) || options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

async function startOn(options: PlatformOptions, port: number): Promise<Platform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lectern-e2e-'));
  const database = await scratchDatabase('lectern_e2e');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    ADMIN_EMAIL: options.adminEmail,
    ADMIN_PASSWORD: options.adminPassword,
    RATE_LIMIT_MAX: '100000',
    AUTH_RATE_LIMIT_MAX: '100000',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_MS: '2000',
    JOBS_POLL_INTERVAL_SECONDS: '0.5',
    ...options.env,
  };
  if (database !== undefined) env.DATABASE_URL = database.url;
  const redisUrl = process.env.REDIS_URL;
  if (redisUrl !== undefined && redisUrl !== '') {
    env.REDIS_URL = redisUrl;
    env.CACHE_PREFIX = options.env?.CACHE_PREFIX ?? unique('lectern-e2e-');
  }

  const child = spawn(process.execPath, [serverEntry], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const seen = { listening: false };
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    seen.listening ||= output.includes(LISTENING);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the platform exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      }
      if (seen.listening) {
        try {
          const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
          if (response.ok) break;
        } catch {
          // Not answering yet.
        }
      }
      if (Date.now() > deadline) throw new Error(`the platform was not ready at ${baseUrl} in time`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    const message = `${(error as Error).message}\n--- platform output ---\n${output}`;
    if (output.includes('EADDRINUSE')) throw new PortTakenError(message, { cause: error });
    throw new Error(message, { cause: error });
  }

  return { baseUrl, output: () => output, stop };
}
