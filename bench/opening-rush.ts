// S7 "opening rush": N learners enrol in one course of capacity N/2 as fast as the cluster takes them. Not a
// wrk scenario: every learner sends exactly one request, so it is a fixed amount of work, timed. Reported next to
// R3 (one-row pg upsert/s) from the same run. `npm run bench` runs it after the wrk rows; on its own (its own
// cluster and R3, e.g. at a reduced size) it writes bench/results/<UTC time>-s7.md:
//
//   DATABASE_URL=postgres://root@127.0.0.1:5432/lectern_bench REDIS_URL=redis://127.0.0.1:6379/5 \
//     npx tsx bench/opening-rush.ts [--learners 5000] [--connections 50] [--port 18900]
//
// Needs the back end built (`node scripts/build.mjs --backend`).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startCluster } from '../scripts/cluster.js';
import { createTokenMinter, type TokenMinter } from './lib/access-tokens.js';
import { ensureBenchInstructor } from './lib/bench-accounts.js';
import { percentile, runFixedWork, type FixedWork } from './lib/fixed-work.js';
import { classifyCluster, describeCpu, withCpu } from './lib/cluster-cpu.js';
import { watchCpu, type Classifier } from './lib/process-cpu.js';
import { replicaProfiles } from './lib/replica-profiles.js';
import { startReferenceServer, stopChild, waitUntilListening } from './lib/stack.js';

export interface OpeningRushOptions {
  baseUrl: string;
  client: pg.Client;
  minter: TokenMinter;
  /** Learners, each enrolling once (at least 5,000 for the report). */
  learners: number;
  /** Requests in flight at once, like wrk's connections. */
  connections: number;
  /** With it, the result carries each process group's CPU during the rush itself (not the set-up). */
  classify?: Classifier;
}

export interface OpeningRushResult {
  learners: number;
  capacity: number;
  seconds: number;
  enrolmentsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** 201 answers. */
  enrolled: number;
  /** 409 course_full answers. */
  refused: number;
  /** Anything else (should be 0). */
  failed: number;
  /** progress.course_seats.taken after the rush: must equal capacity. */
  seatsTaken: number;
  /** Rows in progress.enrollments for the course: must equal `enrolled`. */
  enrollmentRows: number;
  /** CPU per process group during the rush, as % of one core (with `classify`). */
  cpu?: Record<string, number>;
}

/** Far above the seeded users' ids, and different per run, so every learner is new to every course. */
function learnerIdBase(): number {
  return 2 ** 50 + (Date.now() % 1_000_000_000) * 1000;
}

export async function runOpeningRush(options: OpeningRushOptions): Promise<OpeningRushResult> {
  const capacity = Math.floor(options.learners / 2);
  const instructorId = learnerIdBase() - 1;
  const instructorEmail = `rush-${instructorId}@bench.test`;
  await ensureBenchInstructor(options.client, instructorId, instructorEmail);
  const instructor = options.minter.mint({ id: instructorId, email: instructorEmail, role: 'instructor' });
  const created = await fetch(`${options.baseUrl}/api/courses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${instructor}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: `S7 opening rush ${new Date().toISOString()}`, capacity, published: true }),
  });
  if (created.status !== 201) {
    throw new Error(`S7: the course was not created: ${created.status} ${await created.text()}`);
  }
  const { id: courseId } = (await created.json()) as { id: number };

  const base = learnerIdBase();
  const tokens = Array.from({ length: options.learners }, (_, index) =>
    options.minter.mint({ id: base + index, email: `rush-${index}@bench.invalid`, role: 'student' }),
  );
  const url = `${options.baseUrl}/api/progress/courses/${courseId}/enrollment`;
  const latencies: number[] = [];
  const counts = { enrolled: 0, refused: 0, failed: 0 };
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < tokens.length; index = next++) {
      const started = performance.now();
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[index]}` },
        });
        await response.arrayBuffer();
        if (response.status === 201) counts.enrolled += 1;
        else if (response.status === 409) counts.refused += 1;
        else counts.failed += 1;
      } catch {
        counts.failed += 1;
      }
      latencies.push(performance.now() - started);
    }
  };
  const watch = options.classify ? watchCpu(options.classify) : undefined;
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = watch?.stop();

  const seats = await options.client.query<{ taken: number }>(
    'select taken from progress.course_seats where course_id = $1',
    [courseId],
  );
  const rows = await options.client.query<{ count: string }>(
    'select count(*) from progress.enrollments where course_id = $1',
    [courseId],
  );
  latencies.sort((a, b) => a - b);
  return {
    learners: options.learners,
    capacity,
    seconds,
    enrolmentsPerSecond: options.learners / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    ...counts,
    seatsTaken: seats.rows[0]?.taken ?? 0,
    enrollmentRows: Number(rows.rows[0]?.count ?? 0),
    ...(cpu ? { cpu } : {}),
  };
}

/** The line for the results file: the numbers, whether the seats add up, and the ratio to R3. */
export function describeOpeningRush(
  result: OpeningRushResult,
  r3RequestsPerSecond: number | undefined,
): string {
  const exact =
    result.seatsTaken === result.capacity &&
    result.enrolled === result.capacity &&
    result.enrollmentRows === result.capacity &&
    result.refused === result.learners - result.capacity &&
    result.failed === 0;
  const ratio =
    r3RequestsPerSecond === undefined
      ? 'no R3 in this run'
      : `${(result.enrolmentsPerSecond / r3RequestsPerSecond).toFixed(2)} × R3`;
  return (
    `S7 opening rush: ${result.learners} learners, capacity ${result.capacity}: ` +
    `${Math.round(result.enrolmentsPerSecond)} enrolments/s (${ratio}), p50 ${result.p50Ms.toFixed(1)} ms, ` +
    `p99 ${result.p99Ms.toFixed(1)} ms; seats taken ${result.seatsTaken}, enrolled ${result.enrolled}, ` +
    `refused ${result.refused}, other answers ${result.failed}: ${exact ? 'exact' : 'NOT EXACT'}.`
  );
}

/** Authorization headers of made-up students for R3 (it reads the user id without verifying the token). */
export function r3Authorizations(minter: TokenMinter, count: number): string[] {
  return Array.from(
    { length: count },
    (_unused, index) =>
      `Bearer ${minter.mint({ id: 9_000_000_000_000 + index, email: `r3-${index}@bench.test`, role: 'student' })}`,
  );
}

/**
 * R3 driven the way S7 and S8 drive the cluster: `requests` single-row inserts from the bench's own fetch client,
 * so the ratio compares like with like (wrk's R3 row is measured with another client and would flatter R3).
 */
export function r3WithTheSameClient(
  r3Url: string,
  authorizations: readonly string[],
  requests: number,
  connections: number,
): Promise<FixedWork> {
  return runFixedWork(
    'R3 one-row insert per request',
    requests,
    connections,
    async (index) => {
      const response = await fetch(`${r3Url}/api/progress/${1 + (index % 1000)}/complete`, {
        method: 'POST',
        headers: { authorization: authorizations[index % authorizations.length] ?? '' },
      });
      await response.arrayBuffer();
      return response.status;
    },
    200,
  );
}

/** S7 on its own: a cluster and R3 of its own, the rush, then R3 with as many requests from the same client. */
async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      learners: { type: 'string', default: '5000' },
      connections: { type: 'string', default: '50' },
      port: { type: 'string', default: '18900' },
      /** Records each replica's V8 CPU profile of the rush into this folder. */
      profile: { type: 'string' },
    },
  });
  const profiles = replicaProfiles(flags.profile);
  const learners = Number(flags.learners);
  const connections = Number(flags.connections);
  const basePort = Number(flags.port);
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    process.stderr.write('S7 needs DATABASE_URL and REDIS_URL (a real PostgreSQL and Redis).\n');
    process.exit(1);
  }
  const log = (line: string) => process.stderr.write(`[S7] ${line}\n`);
  const minter = createTokenMinter({
    issuer: process.env.JWT_ISSUER ?? 'lectern-auth',
    audience: process.env.JWT_AUDIENCE ?? 'lectern',
  });
  const replicaLog = join(tmpdir(), `lectern-s7-${Date.now()}.log`);
  log(
    `starting the cluster (nginx :${basePort}, 2 replicas of each service; their warnings go to ${replicaLog})…`,
  );
  const cluster = await startCluster({
    databaseUrl,
    redisUrl,
    replicas: 2,
    port: basePort,
    internalPort: basePort + 1,
    basePort: basePort + 10,
    env: {
      RATE_LIMIT_MAX: '100000000',
      AUTH_RATE_LIMIT_MAX: '100000000',
      LOG_LEVEL: 'warn',
      CACHE_PREFIX: 'lectern-bench-s7',
      JWT_PRIVATE_KEY: minter.privateKeyPem,
      ...profiles.env(),
    },
    output: (service, index, chunk) =>
      appendFileSync(replicaLog, chunk.replace(/^(?=.)/gm, `${service}#${index} `)),
  });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('create schema if not exists bench');
  await client.query('create table if not exists bench.progress_ref (like progress.progress including all)');
  await client.query('truncate bench.progress_ref');
  const r3Port = basePort + 3;
  const r3 = startReferenceServer(
    'bench/reference/pg-upsert.server.ts',
    { DATABASE_URL: databaseUrl, R3_POOL_SIZE: '20' },
    r3Port,
  );
  try {
    await waitUntilListening(`http://127.0.0.1:${r3Port}/health`, r3);
    log(`S7: ${learners} learners, capacity ${Math.floor(learners / 2)}, ${connections} connections`);
    profiles.toggle(cluster.replicas, 'S7');
    const classify = classifyCluster(cluster, { R3: r3.pid });
    const rush = await runOpeningRush({
      baseUrl: cluster.url,
      client,
      minter,
      learners,
      connections,
      classify,
    });
    profiles.toggle(cluster.replicas);
    log(`R3: ${learners} single-row inserts`);
    const authorizations = r3Authorizations(minter, Math.min(learners, 2000));
    const { result: reference, cpu: referenceCpu } = await withCpu(classify, () =>
      r3WithTheSameClient(`http://127.0.0.1:${r3Port}`, authorizations, learners, connections),
    );
    const report = [
      `# S7 opening rush, ${new Date().toISOString()}`,
      '',
      `${learners} learners, ${connections} connections, one request in flight each (Node fetch client in the bench ` +
        `process); cluster: nginx + 2 replicas of each service. Machine load average at the end: ${loadavg()[0]?.toFixed(1)}.`,
      '',
      `- ${describeOpeningRush(rush, reference.perSecond)}`,
      `- R3: ${reference.perSecond} req/s, p50 ${reference.p50Ms} ms, p99 ${reference.p99Ms} ms, ` +
        `errors ${reference.errors} ${JSON.stringify(reference.failures)}`,
      '',
      'CPU per process group, in % of one core (200 = both cores of a 2-core machine):',
      '',
      `- S7: ${describeCpu(rush.cpu ?? {})}`,
      `- R3: ${describeCpu(referenceCpu)}`,
      '',
    ].join('\n');
    process.stdout.write(`${report}\n`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(`bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}-s7.md`, report);
  } finally {
    await stopChild(r3);
    await cluster.stop();
    await client.end();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await main();
