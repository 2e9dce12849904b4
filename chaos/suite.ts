// The fault suite: private PostgreSQL and Redis, the cluster (scripts/cluster.ts) in front of them, a mixed load,
// and one fault at a time. Each experiment reports what clients saw and is judged against the bars of issue 12:
// no acknowledged write lost, no 5xx but the service's own 503 while its database is away, recovery within 2 s
// of the dependency coming back, and never an HTML body under /api/.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { freePort, startPrivateRedis } from '../packages/kit/src/testing/index.js';
import { services, startCluster, type Cluster } from '../scripts/cluster.js';
import { expectJson, MixedLoad, type Sample, type Student } from './load.js';
import { PrivatePostgres } from './postgres.js';

export interface SuiteOptions {
  root: string;
  /** How long each fault lasts (a stopped database, a hung replica…). */
  holdMs: number;
  /** Load before the fault and observation after the dependency is back. */
  beforeMs: number;
  afterMs: number;
  /** Experiments to run, by name; default all. */
  only?: string[];
  students?: number;
  lessonsPerCourse?: number;
  /** Bounds of the whole run's load. */
  maxRequestsPerExperiment?: number;
  log?: (line: string) => void;
}

export interface ExperimentResult {
  name: string;
  description: string;
  requests: number;
  /** Non-2xx answers by status (0: no answer) and code. */
  errors: Record<string, number>;
  serverErrors: number;
  /** 5xx other than the service's own 503 (database_unavailable, courses_unavailable…), and client timeouts. */
  unexpectedServerErrors: number;
  /**
   * Failures the services did not answer themselves: nginx's own 5xx, a 500, or no answer at all. The core of
   * issue 12; the CI test asserts none, while a service's own 503 on a slow machine is only reported.
   */
  edgeErrors: number;
  acknowledgedWrites: number;
  lostWrites: number;
  /** From the dependency back (or the fault's end) to the last failed request sent after it; 0 when none. */
  recoveryMs: number;
  htmlBodies: number;
  /** dependency_lost / dependency_restored lines the replicas logged during the experiment. */
  outageLogLines: number;
  passed: boolean;
  failures: string[];
}

interface Context {
  postgres: PrivatePostgres;
  cluster: Cluster;
  redisPort: number;
  redis: { server: ChildProcess | null };
}

interface Experiment {
  name: string;
  description: string;
  /** Breaks something; resolves when broken. */
  inject(context: Context): Promise<void> | void;
  /** Repairs it; resolves when the dependency is back. */
  restore(context: Context): Promise<void> | void;
  /** PostgreSQL itself is away: the service's own 503 is the expected answer meanwhile. */
  databaseOutage: boolean;
  /** The fault ends by itself (a restart): no hold between inject and restore. */
  instant?: boolean;
}

async function stopProcess(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

function hold(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The experiments of issue 12, in the order they run. */
function experiments(holdMs: number): Experiment[] {
  return [
    {
      name: 'postgres-stopped',
      description: `PostgreSQL stopped (-m fast) for ${holdMs / 1000} s`,
      databaseOutage: true,
      inject: ({ postgres }) => postgres.stopServer('fast'),
      restore: ({ postgres }) => postgres.startServer(),
    },
    {
      name: 'postgres-restart-fast',
      instant: true,
      description: 'PostgreSQL restarted with -m fast',
      databaseOutage: true,
      inject: ({ postgres }) => postgres.restartServer('fast'),
      restore: () => undefined,
    },
    {
      name: 'postgres-restart-immediate',
      instant: true,
      description: 'PostgreSQL restarted with -m immediate (crash recovery)',
      databaseOutage: true,
      inject: ({ postgres }) => postgres.restartServer('immediate'),
      restore: () => undefined,
    },
    {
      name: 'allow-connections-false',
      description: `lectern refuses connections (allow_connections false, open ones ended) for ${holdMs / 1000} s`,
      databaseOutage: true,
      inject: async ({ postgres }) => postgres.allowConnections(false),
      restore: async ({ postgres }) => postgres.allowConnections(true),
    },
    {
      name: 'redis-stopped',
      description: `Redis stopped for ${holdMs / 1000} s`,
      databaseOutage: false,
      inject: async ({ redis }) => {
        await stopProcess(redis.server);
        redis.server = null;
      },
      restore: async (context) => {
        context.redis.server = await startPrivateRedis(context.redisPort);
      },
    },
    {
      name: 'replica-sigstop',
      description: `progress#0 hung (SIGSTOP) for ${holdMs / 1000} s`,
      databaseOutage: false,
      inject: ({ cluster }) => cluster.kill('progress', 0, 'SIGSTOP'),
      restore: ({ cluster }) => cluster.kill('progress', 0, 'SIGCONT'),
    },
    {
      name: 'replica-sigkill',
      description: 'progress#0 and courses#0 killed (SIGKILL), restarted by the cluster',
      databaseOutage: false,
      inject: ({ cluster }) => {
        cluster.kill('progress', 0, 'SIGKILL');
        cluster.kill('courses', 0, 'SIGKILL');
      },
      restore: async ({ cluster }) => {
        for (const service of ['progress', 'courses'] as const) {
          const replica = cluster.replica(service, 0);
          const deadline = Date.now() + 90_000;
          while (replica.child === null && Date.now() < deadline) await hold(50);
          await waitReady(`http://127.0.0.1:${replica.port}/health/ready`, 90_000);
        }
      },
    },
  ];
}

/** A 503 the service wrote itself (problem+json with its own code), not one nginx made. */
function isServiceUnavailable(sample: Sample): boolean {
  return (
    sample.status === 503 &&
    !sample.html &&
    sample.code !== undefined &&
    sample.code !== 'service_unavailable'
  );
}

/** A 503 the service wrote itself: its database (or courses, for progress) is away. */
function isOwnUnavailable(sample: Sample): boolean {
  return (
    sample.status === 503 &&
    !sample.html &&
    (sample.code === 'database_unavailable' || sample.code === 'courses_unavailable')
  );
}

function isFailure(sample: Sample): boolean {
  return sample.status === 0 || sample.status >= 500;
}

async function lostWrites(postgres: PrivatePostgres, acknowledged: Set<string>): Promise<number> {
  if (acknowledged.size === 0) return 0;
  const client = new pg.Client({ connectionString: postgres.url() });
  await client.connect();
  try {
    const stored = new Set<string>();
    const { rows } = await client.query<{ user_id: string; lesson_id: string }>(
      'select user_id, lesson_id from progress.progress',
    );
    for (const row of rows) stored.add(`${row.user_id}:${row.lesson_id}`);
    return [...acknowledged].filter((pair) => !stored.has(pair)).length;
  } finally {
    await client.end();
  }
}

function ensureBuilt(root: string): void {
  const entryPoints = [
    ...services.map((service) => `services/${service}/dist/server.js`),
    'apps/platform/dist/migrate.js',
  ];
  if (entryPoints.every((file) => existsSync(join(root, file)))) return;
  execFileSync(process.execPath, ['scripts/build.mjs', '--backend'], { cwd: root, stdio: 'inherit' });
}

/** Starts everything, runs the experiments one after another and stops everything, whatever happened. */
export async function runSuite(options: SuiteOptions): Promise<ExperimentResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  ensureBuilt(options.root);
  const password = 'chaos-password-1';
  const adminEmail = 'chaos-admin@example.com';
  let postgres: PrivatePostgres | undefined;
  const redis: { server: ChildProcess | null } = { server: null };
  let cluster: Cluster | undefined;
  const replicaLines: { at: number; line: string }[] = [];
  /** The last lines of every replica, printed when the suite fails. */
  const recentOutput = new Map<string, string[]>();
  try {
    const [pgPort, redisPort, port] = [
      await freePort(),
      await freePort(),
      20_000 + Math.floor(Math.random() * 20_000),
    ];
    log(`starting PostgreSQL on ${pgPort}, Redis on ${redisPort}, the cluster on ${port}`);
    postgres = await PrivatePostgres.start(pgPort);
    redis.server = await startPrivateRedis(redisPort);
    cluster = await startCluster({
      databaseUrl: postgres.url(),
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      root: options.root,
      replicas: 2,
      port,
      internalPort: port + 1,
      basePort: port + 2,
      env: {
        RATE_LIMIT_MAX: '10000000',
        AUTH_RATE_LIMIT_MAX: '10000000',
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD: password,
        LOG_LEVEL: 'warn',
        DB_POOL_SIZE: '2',
        DB_MAX_OVERFLOW: '6',
      },
      output: (service, index, chunk) => {
        const name = `${service}#${index}`;
        const recent = recentOutput.get(name) ?? [];
        recent.push(...chunk.split('\n').filter(Boolean));
        recentOutput.set(name, recent.slice(-20));
        for (const line of chunk.split('\n')) {
          if (line.includes('dependency_lost') || line.includes('dependency_restored')) {
            replicaLines.push({ at: Date.now(), line: `${service}#${index} ${line}` });
          }
        }
      },
    });
    const base = cluster.url;
    log('seeding courses, lessons and students');
    const adminToken = String(
      (
        await expectJson(base, '/api/auth/login', 200, {
          method: 'POST',
          body: { email: adminEmail, password },
        })
      ).access_token,
    );
    const courseIds: number[] = [];
    const lessonIds: number[] = [];
    for (let course = 1; course <= 4; course += 1) {
      const created = await expectJson(base, '/api/courses', 201, {
        method: 'POST',
        token: adminToken,
        body: { title: `Chaos course ${course}`, description: 'made by the fault suite' },
      });
      const courseId = Number(created.id);
      courseIds.push(courseId);
      for (let lesson = 1; lesson <= (options.lessonsPerCourse ?? 40); lesson += 1) {
        const made = await expectJson(base, `/api/courses/${courseId}/lessons`, 201, {
          method: 'POST',
          token: adminToken,
          body: { title: `Lesson ${lesson}`, content: `# Lesson ${lesson}\n\nText.` },
        });
        lessonIds.push(Number(made.id));
      }
    }
    const students: Student[] = [];
    for (let index = 0; index < (options.students ?? 12); index += 1) {
      const email = `chaos-student-${index}@example.com`;
      await expectJson(base, '/api/auth/register', 201, { method: 'POST', body: { email, password } });
      const token = String(
        (await expectJson(base, '/api/auth/login', 200, { method: 'POST', body: { email, password } }))
          .access_token,
      );
      const me = await expectJson(base, '/api/auth/me', 200, { token });
      students.push({ email, token, userId: Number(me.id) });
    }

    const context: Context = { postgres, cluster, redisPort, redis };
    const results: ExperimentResult[] = [];
    for (const experiment of experiments(options.holdMs)) {
      if (options.only && !options.only.includes(experiment.name)) continue;
      log(`experiment ${experiment.name}: ${experiment.description}`);
      const load = new MixedLoad({
        baseUrl: base,
        password,
        students,
        courseIds,
        lessonIds,
        completers: students.length,
        anonymousReaders: 4,
        signedInReaders: 2,
        loginPauseMs: 250,
        maxRequests: options.maxRequestsPerExperiment ?? 200_000,
        maxDurationMs: options.beforeMs + options.holdMs + options.afterMs + 120_000,
      });
      const startedAt = Date.now();
      const running = load.run();
      let restoredAt = startedAt;
      try {
        await hold(options.beforeMs);
        await experiment.inject(context);
        if (!experiment.instant) await hold(options.holdMs);
        await experiment.restore(context);
        restoredAt = Date.now();
        await hold(options.afterMs);
      } finally {
        load.stop();
        await running;
        // A replica left stopped would hang the next experiment and the shutdown.
        if (experiment.name === 'replica-sigstop') cluster.kill('progress', 0, 'SIGCONT');
      }
      const samples = load.samples;
      const errors: Record<string, number> = {};
      for (const sample of samples) {
        if (sample.status >= 200 && sample.status < 400) continue;
        const key =
          sample.status === 0
            ? `no answer (${sample.code ?? '?'})`
            : `${sample.status}${sample.code ? ` ${sample.code}` : ''}`;
        errors[key] = (errors[key] ?? 0) + 1;
      }
      const serverErrors = samples.filter(isFailure).length;
      const unexpected = samples.filter(
        (sample) => isFailure(sample) && !(experiment.databaseOutage && isOwnUnavailable(sample)),
      ).length;
      const lastFailure = samples
        .filter((sample) => sample.sentAt >= restoredAt && isFailure(sample))
        .reduce((latest, sample) => Math.max(latest, sample.sentAt), restoredAt);
      const edgeErrors = samples.filter(
        (sample) => isFailure(sample) && !isServiceUnavailable(sample),
      ).length;
      const lost = await lostWrites(postgres, load.acknowledged);
      const html = samples.filter((sample) => sample.html).length;
      const recoveryMs = lastFailure - restoredAt;
      const failures: string[] = [];
      if (lost > 0) failures.push(`${lost} acknowledged writes lost`);
      if (unexpected > 0) failures.push(`${unexpected} unexpected 5xx or unanswered requests`);
      if (recoveryMs > 2000) failures.push(`recovery took ${recoveryMs} ms`);
      if (html > 0) failures.push(`${html} HTML bodies under /api/`);
      results.push({
        name: experiment.name,
        description: experiment.description,
        requests: samples.length,
        errors,
        serverErrors,
        unexpectedServerErrors: unexpected,
        edgeErrors,
        acknowledgedWrites: load.acknowledged.size,
        lostWrites: lost,
        recoveryMs,
        htmlBodies: html,
        outageLogLines: replicaLines.filter((entry) => entry.at >= startedAt).length,
        passed: failures.length === 0,
        failures,
      });
      // Let every replica reconnect and nginx take every replica back before the next fault.
      await hold(1000);
    }
    return results;
  } catch (error) {
    for (const [name, lines] of recentOutput) log(`--- ${name}\n${lines.join('\n')}`);
    throw error;
  } finally {
    if (cluster) {
      cluster.kill('progress', 0, 'SIGCONT');
      await cluster.stop();
    }
    await stopProcess(redis.server, 'SIGKILL');
    postgres?.destroy();
  }
}

/** One markdown table: a row per experiment. */
export function formatResults(results: ExperimentResult[]): string {
  const header =
    '| experiment | requests | errors by status | 5xx | unexpected 5xx | acknowledged writes | lost | recovery | HTML bodies | outage log lines | bars |\n' +
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|';
  const rows = results.map((result) => {
    const errors =
      Object.entries(result.errors)
        .sort((a, b) => b[1] - a[1])
        .map(([key, count]) => `${key} ×${count}`)
        .join('; ') || '—';
    return `| ${result.description} | ${result.requests} | ${errors} | ${result.serverErrors} | ${result.unexpectedServerErrors} | ${result.acknowledgedWrites} | ${result.lostWrites} | ${result.recoveryMs} ms | ${result.htmlBodies} | ${result.outageLogLines} | ${result.passed ? 'pass' : `FAIL: ${result.failures.join('; ')}`} |`;
  });
  return [header, ...rows].join('\n');
}
