import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { buildApp, authConfigSchema } from '@lectern/auth';
import {
  createPostgresSandbox,
  freePort,
  postgresBinaries,
  testConfig,
  unique,
  type PostgresSandbox,
  type SandboxServer,
} from '@lectern/kit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface LogLine {
  event?: string;
  dependency?: string;
  msg?: string;
}

/** The worker as its own process (the built entry point's source, run by tsx), its JSON log lines collected. */
function startWorker(env: Record<string, string>) {
  const lines: LogLine[] = [];
  let pending = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=lectern-source', '--import', 'tsx', 'apps/worker/src/server.ts'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const collect = (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: line });
      }
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, lines };
}

/**
 * A real SMTP server that keeps each mail's recipients and can hold a delivery open: while it holds, the job
 * sending that mail is still running in the worker.
 */
async function startHoldingSmtp() {
  const delivered: string[] = [];
  const arrived: string[] = [];
  let held: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  const server = new SMTPServer({
    authOptional: true,
    disableReverseLookup: true,
    hideSTARTTLS: true,
    logger: false,
    onData(stream, _session, callback) {
      void simpleParser(stream).then(async (mail) => {
        const to = [mail.to ?? []]
          .flat()
          .flatMap((address) => address.value.map((entry) => entry.address ?? ''));
        arrived.push(...to);
        await held;
        delivered.push(...to);
        callback();
      }, callback);
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    arrived,
    delivered,
    hold() {
      held = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readiness(port: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
      signal: AbortSignal.timeout(2000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// A private PostgreSQL (initdb into a temporary folder, its own port): restarting the shared one is not ours to do.
describe.skipIf(postgresBinaries() === undefined)('the worker across a database restart', () => {
  let sandbox: PostgresSandbox;
  let dataDir: string;
  let postgres: SandboxServer;
  let smtp: Awaited<ReturnType<typeof startHoldingSmtp>>;
  let auth: Awaited<ReturnType<typeof buildApp>>;
  let worker: ReturnType<typeof startWorker>;
  let workerPort: number;
  /** What beforeAll started, stopped in reverse order even when it failed halfway. */
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    sandbox = createPostgresSandbox();
    cleanups.push(() => sandbox.close());
    dataDir = join(sandbox.root, 'data');
    sandbox.exec('initdb', ['-D', dataDir, '-U', 'lectern', '--auth=trust', '--no-sync']);
    postgres = await sandbox.start(dataDir);
    smtp = await startHoldingSmtp();
    cleanups.push(() => {
      smtp.release();
      return smtp.close();
    });
    const databaseUrl = postgres.url();
    const shared = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: undefined,
      JOBS_POLL_INTERVAL_SECONDS: '0.5',
      JOBS_RETRY_DELAY_SECONDS: '1',
      PUBLIC_URL: 'https://lectern.test',
      AUTH_RATE_LIMIT_MAX: '100000',
    };
    // The API process only enqueues (and runs auth's migrations, which the worker runs too).
    auth = await buildApp(testConfig(authConfigSchema, shared), { logger: false });
    cleanups.push(() => auth.close());
    await auth.ready();
    workerPort = await freePort();
    worker = startWorker({
      DATABASE_URL: databaseUrl,
      SMTP_URL: smtp.url,
      JOBS_POLL_INTERVAL_SECONDS: '0.5',
      JOBS_RETRY_DELAY_SECONDS: '1',
      PUBLIC_URL: 'https://lectern.test',
      PORT: String(workerPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      DATA_DIR: join(sandbox.root, 'worker-data'),
      REDIS_URL: '',
    });
    cleanups.push(() => {
      worker.child.kill('SIGTERM');
    });
    await until('the worker is ready', async () => (await readiness(workerPort)) === 200);
  }, 120_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function register(): Promise<string> {
    const email = `${unique('restart')}@example.com`;
    const registered = await auth.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password: 'correct horse battery staple' },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    return email;
  }

  it('when PostgreSQL restarts under a running job, then the worker stays up, says so once, and runs every job', async () => {
    const first = await register();
    await until('the first mail is delivered', () => Promise.resolve(smtp.delivered.includes(first)));

    // The second job is running (its mail is at the SMTP server) when the database goes away; it finishes during
    // the outage, so its outcome can only be recorded once the database is back.
    smtp.hold();
    const during = await register();
    await until('the job is running', () => Promise.resolve(smtp.arrived.includes(during)));
    await postgres.stop();
    smtp.release();
    await until('readiness shows the outage', async () => (await readiness(workerPort)) === 503);
    // Several polling rounds against a dead server: none of them may end the process.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(worker.child.exitCode).toBeNull();
    postgres = await sandbox.start(dataDir, [], postgres.port);
    await until('readiness recovers', async () => (await readiness(workerPort)) === 200);

    const after = await register();
    await until('the mail enqueued after the restart is delivered', () =>
      Promise.resolve(smtp.delivered.includes(after)),
    );
    const jobs = new pg.Client({ connectionString: postgres.url() });
    await jobs.connect();
    try {
      await until('every job is recorded as completed', async () => {
        const { rows } = await jobs.query<{ state: string }>(
          "select state from jobs.job where name = 'auth-mail'",
        );
        return rows.length === 3 && rows.every((row) => row.state === 'completed');
      });
    } finally {
      await jobs.end();
    }

    expect(smtp.delivered.filter((address) => address === during)).toEqual([during]);
    expect(worker.child.exitCode).toBeNull();
    expect(worker.child.signalCode).toBeNull();
    const lost = worker.lines.filter((line) => line.event === 'dependency_lost');
    expect(lost.map((line) => line.dependency)).toEqual(['postgres']);
    expect(worker.lines.filter((line) => line.event === 'dependency_restored')).toHaveLength(1);
    expect(worker.lines.filter((line) => line.event === 'jobs_error')).toEqual([]);
  }, 180_000);
});
