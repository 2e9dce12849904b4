// Everything a run needs besides the load generator: the cluster (nginx + N replicas of each service, real
// PostgreSQL and Redis) with limits lifted, tokens for seeded users, the fixtures read from the seed, the
// reference servers, and which process is which for the CPU table.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Cache, createCacheEntry } from '@lectern/kit';
import { Redis } from 'ioredis';
import type pg from 'pg';
import {
  services,
  startCluster,
  type Cluster,
  type ProcessName,
  type Service,
} from '../../scripts/cluster.js';
import { referenceKey } from '../reference/coding.js';
import { startReferenceNginx, staticFileLocation, type ReferenceNginx } from '../reference/static-nginx.js';
import { createTokenMinter, type TokenMinter, type TokenUser } from './access-tokens.js';
import {
  heavyUserEmail,
  lightUserEmail,
  openClient,
  seedDomain,
  seedPassword,
  seedTitlePrefix,
} from './dataset.js';
import type { MeasureHooks } from './load.js';
import { classifyCluster } from './cluster-cpu.js';
import type { Classifier } from './process-cpu.js';

export const catalogPath = '/api/courses?limit=20';

export interface Ports {
  nginx: number;
  internal: number;
  r1: number;
  r2: number;
  r3: number;
  r2n: number;
  replicas: number;
}

export function portsFrom(base: number): Ports {
  return {
    nginx: base,
    internal: base + 1,
    r1: base + 2,
    r2: base + 3,
    r3: base + 4,
    r2n: base + 5,
    replicas: base + 20,
  };
}

export interface Fixtures {
  /** Tokens of many distinct students (S2–S5, R2, R3). */
  studentTokens: string[];
  /** Login bodies of many distinct students (S6). */
  loginBodies: string[];
  /** Published seeded courses with lessons (S3). */
  courseIds: number[];
  /** Every lesson of 100 published courses, about a thousand (S4, R3). */
  lessonIds: number[];
  light: { user: TokenUser; token: string; completions: number };
  heavy: { user: TokenUser; token: string; completions: number };
}

export interface StackOptions {
  databaseUrl: string;
  redisUrl: string;
  replicas: number;
  ports: Ports;
  /** How many distinct students get a token / a login body. */
  students: number;
  /** Start the reference servers (R1–R3). */
  references: boolean;
  /** Directory for replicas' V8 CPU profiles (see cpu-profiler.preload.mjs), written when they stop. */
  cpuProfileDir?: string;
  log: (line: string) => void;
}

export interface References {
  r1: ReferenceNginx;
  r2: { url: string; child: ChildProcess };
  r2n: ReferenceNginx;
  r3: { url: string; child: ChildProcess };
  catalogBody: string;
}

export interface Stack {
  cluster: Cluster;
  client: pg.Client;
  fixtures: Fixtures;
  /** Signs access tokens the cluster accepts, for users the bench makes up (S7's learners). */
  minter: TokenMinter;
  /** nginx, as clients reach the cluster. */
  baseUrl: string;
  references: References | null;
  workDir: string;
  replicaLog: string;
  /** With cpuProfileDir: toggles every replica's profiler around a measured run, labelled `label`. */
  profileHooks: (label: string) => MeasureHooks;
  /** Which process group a process belongs to; `extra` names more pids (the load generator). */
  classify: (extra: Record<string, number | undefined>) => Classifier;
  stop: () => Promise<void>;
}

const lift = '100000000';

export function startReferenceServer(
  script: string,
  env: Record<string, string>,
  port: number,
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve(script)], {
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Generous on purpose: on a loaded 2-core machine a tsx process took over 30 s to listen (issue 14). */
const referenceListenTimeoutMs = 120_000;

export async function waitUntilListening(
  url: string,
  child: ChildProcess,
  init?: RequestInit,
): Promise<void> {
  const deadline = Date.now() + referenceListenTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the reference server exited (${child.exitCode})`);
    try {
      await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`${url} did not answer within ${referenceListenTimeoutMs / 1000} s`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(forced);
      done();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Drops what an earlier run or dataset left in the L2 cache for the namespaces the scenarios read, the way a
 * write would (the kit's own version bump), so nothing stale is served and nobody else's keys are touched.
 */
/** Cache key prefix and pub/sub channel of the bench's cluster, apart from any other Lectern on the same Redis. */
const cachePrefix = 'lectern-bench';

async function invalidateCaches(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const cache = await Cache.create({ redis, prefix: cachePrefix });
    await Promise.all(['courses', 'course-outlines'].map((namespace) => cache.invalidate(namespace)));
    await cache.close();
  } finally {
    redis.disconnect();
  }
}

async function loadFixtures(client: pg.Client, minter: TokenMinter, students: number): Promise<Fixtures> {
  const studentRows = await client.query<{ id: string; email: string }>(
    `select id, email from auth.users where email like 'student-%' || $1 order by id limit $2`,
    [`@${seedDomain}`, students],
  );
  if (studentRows.rows.length === 0) throw new Error('no seeded students: run `npm run seed` first');
  const users = studentRows.rows.map((row): TokenUser => ({
    id: Number(row.id),
    email: row.email,
    role: 'student',
  }));
  const courseRows = await client.query<{ id: string }>(
    `select id from courses.courses where title like $1 and published and lessons_count > 0
     order by md5(id::text) limit 1000`,
    [`${seedTitlePrefix}%`],
  );
  const lessonRows = await client.query<{ id: string }>(
    `select l.id from courses.lessons l
     join (select id from courses.courses where title like $1 and published order by md5(id::text || 'S4') limit 100) c
       on c.id = l.course_id
     order by l.id limit 5000`,
    [`${seedTitlePrefix}%`],
  );
  const special = async (email: string) => {
    const { rows } = await client.query<{ id: string; completions: string }>(
      `select u.id, (select count(*) from progress.progress p where p.user_id = u.id) as completions
       from auth.users u where u.email = $1`,
      [email],
    );
    const row = rows[0];
    if (!row) throw new Error(`${email} is not seeded: run \`npm run seed -- --reset\``);
    const user: TokenUser = { id: Number(row.id), email, role: 'student' };
    return { user, token: minter.mint(user), completions: Number(row.completions) };
  };
  return {
    studentTokens: users.map((user) => minter.mint(user)),
    loginBodies: users.map((user) => JSON.stringify({ email: user.email, password: seedPassword })),
    courseIds: courseRows.rows.map((row) => Number(row.id)),
    lessonIds: lessonRows.rows.map((row) => Number(row.id)),
    light: await special(lightUserEmail),
    heavy: await special(heavyUserEmail),
  };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { log } = options;
  const workDir = mkdtempSync(join(tmpdir(), 'lectern-bench-'));
  const replicaLog = join(workDir, 'replicas.log');
  writeFileSync(replicaLog, '');
  const minter = createTokenMinter({
    issuer: process.env.JWT_ISSUER ?? 'lectern-auth',
    audience: process.env.JWT_AUDIENCE ?? 'lectern',
  });
  const client = openClient(options.databaseUrl);
  await client.connect();
  const cleanups: (() => Promise<void>)[] = [async () => client.end()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    await invalidateCaches(options.redisUrl);
    const env: Record<string, string> = {
      RATE_LIMIT_MAX: lift,
      AUTH_RATE_LIMIT_MAX: lift,
      LOG_LEVEL: 'warn',
      CACHE_PREFIX: cachePrefix,
      JWT_PRIVATE_KEY: minter.privateKeyPem,
    };
    if (options.cpuProfileDir) {
      mkdirSync(options.cpuProfileDir, { recursive: true });
      env.NODE_OPTIONS = `--import ${resolve('bench/lib/cpu-profiler.preload.mjs')}`;
      env.LECTERN_CPU_PROFILE_DIR = resolve(options.cpuProfileDir);
    }
    log(
      `starting the cluster: nginx :${options.ports.nginx} + ${options.replicas} replica(s) of each service…`,
    );
    const cluster = await startCluster({
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
      replicas: options.replicas,
      port: options.ports.nginx,
      internalPort: options.ports.internal,
      basePort: options.ports.replicas,
      env,
      output: (service: ProcessName, index: number, chunk: string) => {
        writeFileSync(replicaLog, chunk.replace(/^(?=.)/gm, `${service}#${index} `), { flag: 'a' });
      },
    });
    cleanups.push(() => cluster.stop());

    const fixtures = await loadFixtures(client, minter, options.students);

    let references: References | null = null;
    if (options.references) {
      const catalogResponse = await fetch(`${cluster.url}${catalogPath}`);
      if (!catalogResponse.ok) throw new Error(`GET ${catalogPath} answered ${catalogResponse.status}`);
      const catalogBody = await catalogResponse.text();

      const clusterUpstreams = Object.fromEntries(
        services.map((service) => [
          service,
          cluster.replicas
            .filter((replica) => replica.service === service)
            .map((replica) => `127.0.0.1:${replica.port}`),
        ]),
      ) as Record<Service, string[]>;
      const r1RunDir = join(workDir, 'r1-nginx');
      const r1 = await startReferenceNginx({
        label: 'R1',
        runDir: r1RunDir,
        port: options.ports.r1,
        readyPath: '/api/courses',
        webRoot: resolve('apps/web/dist'),
        upstreams: clusterUpstreams,
        extraServerConfig: staticFileLocation({ runDir: r1RunDir, path: '/api/courses', body: catalogBody }),
      });
      cleanups.push(() => r1.stop());

      // The bytes of every coding, made once the way the kit's cache makes them.
      const r2Key = 'lectern-bench:r2:catalog';
      const { encodings } = await createCacheEntry({ body: catalogBody });
      const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
      for (const coding of ['identity', 'br', 'gzip'] as const) {
        const encoded = encodings[coding];
        if (!encoded) throw new Error(`the catalog page did not compress with ${coding}`);
        await redis.set(referenceKey(r2Key, coding), encoded.bytes, 'EX', 86_400);
      }
      redis.disconnect();
      const r2Child = startReferenceServer(
        'bench/reference/redis-string.server.ts',
        { REDIS_URL: options.redisUrl, R2_KEY: r2Key },
        options.ports.r2,
      );
      cleanups.push(() => stopChild(r2Child));
      const r2Url = `http://127.0.0.1:${options.ports.r2}`;

      await client.query('truncate bench.progress_ref');
      const r3Child = startReferenceServer(
        'bench/reference/pg-upsert.server.ts',
        { DATABASE_URL: options.databaseUrl, R3_POOL_SIZE: '20' },
        options.ports.r3,
      );
      cleanups.push(() => stopChild(r3Child));
      const r3Url = `http://127.0.0.1:${options.ports.r3}`;
      await Promise.all([
        waitUntilListening(`${r2Url}/api/courses`, r2Child),
        waitUntilListening(`${r3Url}/health`, r3Child),
      ]);
      const r2n = await startReferenceNginx({
        label: 'R2n',
        runDir: join(workDir, 'r2n-nginx'),
        port: options.ports.r2n,
        readyPath: '/api/courses',
        webRoot: resolve('apps/web/dist'),
        upstreams: { ...clusterUpstreams, courses: [`127.0.0.1:${options.ports.r2}`] },
      });
      cleanups.push(() => r2n.stop());
      references = {
        r1,
        r2: { url: r2Url, child: r2Child },
        r2n,
        r3: { url: r3Url, child: r3Child },
        catalogBody,
      };
    }

    const classify = (extra: Record<string, number | undefined>): Classifier =>
      classifyCluster(cluster, {
        'R1 nginx': references?.r1.pid,
        'R2n nginx': references?.r2n.pid,
        R2: references?.r2.child.pid,
        R3: references?.r3.child.pid,
        ...extra,
      });

    const profileDir = options.cpuProfileDir;
    const signalReplicas = () => {
      for (const replica of cluster.replicas) replica.child?.kill('SIGUSR2');
    };
    const profileHooks = (label: string): MeasureHooks =>
      profileDir
        ? {
            started: () => {
              writeFileSync(join(profileDir, 'label'), label);
              signalReplicas();
            },
            finished: signalReplicas,
          }
        : {};

    const baseUrl = `http://127.0.0.1:${options.ports.nginx}`;
    return {
      cluster,
      client,
      fixtures,
      minter,
      baseUrl,
      references,
      workDir,
      replicaLog,
      classify,
      profileHooks,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
