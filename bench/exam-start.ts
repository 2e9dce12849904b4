// S8 "exam start": thousands of learners start the same timed quiz at once through the cluster (nginx, 2
// replicas of each service, real PostgreSQL and Redis), then each autosaves twice. Compared with R3 (one
// single-row insert per request, bench/reference/pg-upsert.server.ts) measured in the same run with the same
// client and concurrency. Every started attempt must be in the database and every acknowledged autosave stored.
//
//   DATABASE_URL=postgres://root@127.0.0.1:5432/lectern_bench REDIS_URL=redis://127.0.0.1:6379/5 \
//     npx tsx bench/exam-start.ts [--learners 5000] [--connections 50] [--port 18800]
//
// Needs the back end built (`node scripts/build.mjs --backend`). Writes bench/results/<UTC time>-s8.md.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import pg from 'pg';
import { startCluster } from '../scripts/cluster.js';
import { createTokenMinter } from './lib/access-tokens.js';
import { ensureBenchInstructor } from './lib/bench-accounts.js';
import { runFixedWork, type FixedWork } from './lib/fixed-work.js';
import { classifyCluster, describeCpu, withCpu } from './lib/cluster-cpu.js';
import { replicaProfiles } from './lib/replica-profiles.js';
import { r3WithTheSameClient } from './opening-rush.js';
import { startReferenceServer, stopChild, waitUntilListening } from './lib/stack.js';

const { values: flags } = parseArgs({
  options: {
    learners: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '50' },
    port: { type: 'string', default: '18800' },
    questions: { type: 'string', default: '10' },
    /** Records each replica's V8 CPU profile of the start and the autosave phases into this folder. */
    profile: { type: 'string' },
  },
});
const learners = Number(flags.learners);
const connections = Number(flags.connections);
const basePort = Number(flags.port);
const questionCount = Number(flags.questions);
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl || !redisUrl) {
  process.stderr.write('S8 needs DATABASE_URL and REDIS_URL (a real PostgreSQL and Redis).\n');
  process.exit(1);
}

/**
 * Progress's internal contract for assessments (access check, lesson completion), answered "yes" in-process.
 * Used only when the progress replicas do not serve /internal/progress/access yet; the report says so.
 */
async function startProgressStandIn(port: number) {
  const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });
  app.post('/internal/progress/access', () => Promise.resolve({ course_id: 0, enrolled: true }));
  app.post<{ Body: { checks: unknown[] } }>('/internal/progress/access/batch', (request) =>
    Promise.resolve({ answers: request.body.checks.map(() => ({ status: 200, course_id: 0 })) }),
  );
  app.post('/internal/progress/lessons/:lesson_id/complete', () => Promise.resolve({ ok: true }));
  await app.listen({ port, host: '127.0.0.1' });
  return app;
}

/** Whether the built progress service serves the internal contract assessments calls (it lands with enrollment). */
function progressServesContract(): boolean {
  return readFileSync('services/progress/dist/server.js', 'utf8').includes('/internal/progress/access');
}

/** The body of an answer that must have `status`; anything else stops the run with what the cluster said. */
async function expectJson<T>(what: string, status: number, response: Response): Promise<T> {
  if (response.status !== status) {
    throw new Error(`${what} answered ${response.status}, not ${status}: ${await response.text()}`);
  }
  return (await response.json()) as T;
}

const minter = createTokenMinter({
  issuer: process.env.JWT_ISSUER ?? 'lectern-auth',
  audience: process.env.JWT_AUDIENCE ?? 'lectern',
});
const ports = {
  nginx: basePort,
  internal: basePort + 1,
  standIn: basePort + 2,
  r3: basePort + 3,
  replicas: basePort + 10,
};
const standInUrl = `http://127.0.0.1:${ports.standIn}`;
const log = (line: string) => process.stderr.write(`[S8] ${line}\n`);

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
const standIn = await startProgressStandIn(ports.standIn);
const replicaLog = join(tmpdir(), `lectern-s8-${Date.now()}.log`);
log(
  `starting the cluster (nginx :${ports.nginx}, 2 replicas of each service; their warnings go to ${replicaLog})…`,
);
const env: Record<string, string> = {
  RATE_LIMIT_MAX: '100000000',
  AUTH_RATE_LIMIT_MAX: '100000000',
  LOG_LEVEL: 'warn',
  CACHE_PREFIX: 'lectern-bench-s8',
  JWT_PRIVATE_KEY: minter.privateKeyPem,
};
const profiles = replicaProfiles(flags.profile);
Object.assign(env, profiles.env());
const usedStandIn = !progressServesContract();
if (usedStandIn)
  log('progress does not serve /internal/progress/access yet: the access check goes to a stand-in');
const cluster = await startCluster({
  databaseUrl,
  redisUrl,
  replicas: 2,
  port: ports.nginx,
  internalPort: ports.internal,
  basePort: ports.replicas,
  env: usedStandIn ? { ...env, PROGRESS_URL: standInUrl } : env,
  // Warnings and errors of every replica (LOG_LEVEL=warn), for when a phase reports failures.
  output: (service, index, chunk) =>
    appendFileSync(replicaLog, chunk.replace(/^(?=.)/gm, `${service}#${index} `)),
});

await client.query('create schema if not exists bench');
await client.query('create table if not exists bench.progress_ref (like progress.progress including all)');
await client.query('truncate bench.progress_ref');
const r3 = startReferenceServer(
  'bench/reference/pg-upsert.server.ts',
  { DATABASE_URL: databaseUrl, R3_POOL_SIZE: '20' },
  ports.r3,
);
const r3Url = `http://127.0.0.1:${ports.r3}`;

try {
  await waitUntilListening(`${r3Url}/health`, r3);
  const runId = Date.now() % 1_000_000_000;
  const teacherId = 8_000_000_000_000 + runId;
  const teacherEmail = `s8-teacher-${runId}@bench.test`;
  await ensureBenchInstructor(client, teacherId, teacherEmail);
  const teacher = minter.mint({ id: teacherId, email: teacherEmail, role: 'instructor' });
  const asTeacher = { authorization: `Bearer ${teacher}`, 'content-type': 'application/json' };
  const course = await expectJson<{ id: number }>(
    'POST /api/courses',
    201,
    await fetch(`${cluster.url}/api/courses`, {
      method: 'POST',
      headers: asTeacher,
      body: JSON.stringify({ title: `S8 exam ${runId}`, description: 'exam start benchmark' }),
    }),
  );
  const lesson = await expectJson<{ id: number }>(
    'POST …/lessons',
    201,
    await fetch(`${cluster.url}/api/courses/${course.id}/lessons`, {
      method: 'POST',
      headers: asTeacher,
      body: JSON.stringify({ title: 'Final exam', content: 'Timed.', kind: 'quiz' }),
    }),
  );
  const quizResponse = await fetch(`${cluster.url}/api/assessments/quizzes/${lesson.id}`, {
    method: 'PUT',
    headers: asTeacher,
    body: JSON.stringify({
      time_limit_seconds: 3600,
      shuffle_questions: true,
      questions: Array.from({ length: questionCount }, (_unused, index) => ({
        kind: 'short_text',
        text: `Question ${index + 1}: name a **prime** above ${index * 10}.`,
        answers: [String(index)],
      })),
    }),
  });
  if (!quizResponse.ok)
    throw new Error(`PUT quiz answered ${quizResponse.status}: ${await quizResponse.text()}`);

  const students = Array.from({ length: learners }, (_unused, index) => {
    const id = 8_100_000_000_000 + runId * 10_000 + index;
    return `Bearer ${minter.mint({ id, email: `s8-${runId}-${index}@bench.test`, role: 'student' })}`;
  });
  const attempts: { id: number; questionIds: number[] }[] = [];
  const acknowledged: { attemptId: number; questionId: number; text: string }[] = [];

  // Starting a quiz needs the learner enrolled (progress's access check); setup, not measured against a target.
  const classify = classifyCluster(cluster, { R3: r3.pid });
  /** CPU per process group during each phase, as % of one core. */
  const cpu = new Map<string, Record<string, number>>();
  const measured = async (work: () => Promise<FixedWork>): Promise<FixedWork> => {
    const { result, cpu: used } = await withCpu(classify, work);
    cpu.set(result.name, used);
    return result;
  };
  let enrolment: FixedWork | null = null;
  if (!usedStandIn) {
    log(`S8 setup: ${learners} enrolments`);
    enrolment = await measured(() =>
      runFixedWork(
        'S8 setup: enrolment (POST …/enrollment)',
        learners,
        connections,
        async (index) => {
          const response = await fetch(`${cluster.url}/api/progress/courses/${course.id}/enrollment`, {
            method: 'POST',
            headers: { authorization: students[index] ?? '' },
          });
          await response.arrayBuffer();
          return response.status;
        },
        201,
      ),
    );
    if (enrolment.errors > 0) {
      throw new Error(
        `S8 setup: ${enrolment.errors} enrolments failed: ${JSON.stringify(enrolment.failures)}`,
      );
    }
  }

  const toggleProfiles = (label?: string) => profiles.toggle(cluster.replicas, label);

  log(`S8 start: ${learners} learners, ${connections} connections`);
  toggleProfiles('S8-start');
  const starts = await measured(() =>
    runFixedWork(
      'S8 start (POST …/attempts)',
      learners,
      connections,
      async (index) => {
        const response = await fetch(`${cluster.url}/api/assessments/quizzes/${lesson.id}/attempts`, {
          method: 'POST',
          headers: { authorization: students[index] ?? '' },
        });
        if (response.status !== 201) {
          await response.arrayBuffer();
          return response.status;
        }
        const body = (await response.json()) as { id: number; questions: { id: number }[] };
        attempts[index] = { id: body.id, questionIds: body.questions.map((question) => question.id) };
        return response.status;
      },
      201,
    ),
  );

  toggleProfiles();

  log(`S8 autosave: 2 per learner`);
  toggleProfiles('S8-autosave');
  const autosaves = await measured(() =>
    runFixedWork(
      'S8 autosave (PUT …/answers)',
      learners * 2,
      connections,
      async (index) => {
        const learner = index % learners;
        const attempt = attempts[learner];
        if (!attempt) return 0;
        const questionId = attempt.questionIds[index < learners ? 0 : 1] ?? 0;
        const text = `answer ${learner}/${index}`;
        const response = await fetch(`${cluster.url}/api/assessments/attempts/${attempt.id}/answers`, {
          method: 'PUT',
          headers: { authorization: students[learner] ?? '', 'content-type': 'application/json' },
          body: JSON.stringify({ answers: [{ question_id: questionId, text }] }),
        });
        await response.arrayBuffer();
        if (response.status === 200) acknowledged.push({ attemptId: attempt.id, questionId, text });
        return response.status;
      },
      200,
    ),
  );

  toggleProfiles();

  log(`R3: ${learners * 2} single-row inserts`);
  const reference = await measured(() => r3WithTheSameClient(r3Url, students, learners * 2, connections));

  const startedIds = attempts.filter(Boolean).map((attempt) => attempt.id);
  const stored = await client.query<{ id: string }>(
    'select id from assessments.attempts where id = any($1::bigint[])',
    [startedIds],
  );
  const answers = await client.query<{ attempt_id: string; question_id: string; text: string }>(
    `select attempt_id, question_id, response->>'text' as text from assessments.answers where attempt_id = any($1::bigint[])`,
    [startedIds],
  );
  const storedAnswers = new Set(
    answers.rows.map((row) => `${row.attempt_id}:${row.question_id}:${row.text}`),
  );
  const missingAutosaves = acknowledged.filter(
    (each) => !storedAnswers.has(`${each.attemptId}:${each.questionId}:${each.text}`),
  ).length;

  const rows = [...(enrolment ? [enrolment] : []), starts, autosaves, reference];
  const ratio = (phaseResult: FixedWork) => (phaseResult.perSecond / reference.perSecond).toFixed(2);
  const report = [
    `# S8 exam start, ${new Date().toISOString()}`,
    '',
    `${learners} learners, ${connections} connections, one request in flight each (Node fetch client in the bench process), ` +
      `cluster: nginx + 2 replicas of auth, courses, progress and assessments; quiz of ${questionCount} questions, ` +
      `time limit 1 h, shuffled. Machine load average at the end: ${(await import('node:os')).loadavg()[0]?.toFixed(1)}.`,
    usedStandIn
      ? "**The access check went to an in-process stand-in of progress's /internal/progress/access** (progress did not serve it on this branch yet)."
      : "The access check went to progress's real /internal/progress/access.",
    '',
    '| phase | requests | errors (by status) | seconds | req/s | p50 ms | p99 ms | ÷ R3 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.requests} | ${row.errors} ${JSON.stringify(row.failures)} | ${row.seconds} | ${row.perSecond} | ${row.p50Ms} | ${row.p99Ms} | ${ratio(row)} |`,
    ),
    '',
    `- started (201): ${startedIds.length}; present in assessments.attempts: ${stored.rowCount}`,
    `- acknowledged autosaves: ${acknowledged.length}; missing from assessments.answers: ${missingAutosaves}`,
    `- all ${learners} learners started within ${starts.seconds} s (target ≤ 10 s)`,
    '',
    'CPU per process group during each phase, in % of one core (200 = both cores of a 2-core machine):',
    '',
    ...rows.map((row) => `- ${row.name}: ${describeCpu(cpu.get(row.name) ?? {})}`),
    '',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}-s8.md`, report);
} finally {
  await stopChild(r3);
  await cluster.stop();
  await standIn.close();
  await client.end();
}
