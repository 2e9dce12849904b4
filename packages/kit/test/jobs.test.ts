import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, type JobLog } from '../src/jobs/index.js';
import { registry } from '../src/metrics/metrics.js';
import { openDatabase, type Database } from '../src/postgres/index.js';

const databaseUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL;
const engines = databaseUrl === undefined ? ['pglite'] : ['pglite', 'postgres'];

const quiet: JobLog = { info() {}, warn() {}, error() {} };

function queueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

async function until<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const sample = metric?.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => value.labels[key] === expected),
  );
  return sample?.value;
}

describe.each(engines)('job queue on %s', (engine) => {
  let database: Database;
  let jobs: JobQueue;

  beforeAll(async () => {
    database = await openDatabase({
      url: engine === 'postgres' ? databaseUrl : undefined,
      dataDir: 'memory://',
      poolSize: 2,
      maxOverflow: 3,
      connectionTimeoutMs: 3000,
      idleTimeoutMs: 30_000,
      statementTimeoutMs: 10_000,
    });
    jobs = await JobQueue.open({
      database,
      log: quiet,
      work: true,
      retryLimit: 2,
      retryDelaySeconds: 1,
      pollingIntervalSeconds: 0.5,
    });
  });

  afterAll(async () => {
    await jobs.close();
    await database.close();
  });

  it('runs a job once the transaction that enqueued it commits, and never one whose transaction rolled back', async () => {
    const queue = queueName('kit-commit');
    const seen: string[] = [];
    await jobs.register<{ word: string }>({
      queue,
      handle: ({ word }) => {
        seen.push(word);
        return Promise.resolve();
      },
    });

    await database.db.transaction(async (tx) => {
      await jobs.enqueue(tx, queue, { word: 'committed' });
    });
    await expect(
      database.db.transaction(async (tx) => {
        await jobs.enqueue(tx, queue, { word: 'rolled back' });
        await tx.execute(sql`select 1`);
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');

    await until(
      () => seen,
      (words) => words.includes('committed'),
    );
    await until(
      () => jobs.states(),
      (states) => states.find((state) => state.queue === queue)?.waiting === 0,
    );
    expect(seen).toEqual(['committed']);
    expect(await metricValue('jobs_total', { queue, state: 'completed' })).toBe(1);
  });

  it('retries a failing job with backoff, then keeps it as dead with its last error', async () => {
    const queue = queueName('kit-dead');
    const attempts: { attempt: number; at: number }[] = [];
    await jobs.register<{ n: number }>({
      queue,
      handle: (_payload, context) => {
        attempts.push({ attempt: context.attempt, at: Date.now() });
        return Promise.reject(new Error(`attempt ${context.attempt} failed`));
      },
    });
    await database.db.transaction((tx) => jobs.enqueue(tx, queue, { n: 1 }));

    const dead = await until(
      () => jobs.deadJobs(queue),
      (rows) => rows.length === 1,
      30_000,
    );
    expect(attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3]);
    const [first = 0, second = 0, third = 0] = attempts.map((entry) => entry.at);
    // pg-boss waits delay·2^n/2 plus up to as much again: at least 1 s, then at least 2 s (lower bounds only).
    expect(second - first).toBeGreaterThanOrEqual(900);
    expect(third - second).toBeGreaterThanOrEqual(1900);
    expect(dead[0]).toMatchObject({ queue, payload: { n: 1 }, attempts: 3 });
    expect(JSON.stringify(dead[0]?.error)).toContain('attempt 3 failed');

    const state = (await jobs.states()).find((entry) => entry.queue === queue);
    expect(state).toMatchObject({ waiting: 0, active: 0, dead: 1 });
    expect(await metricValue('jobs_total', { queue, state: 'failed' })).toBe(2);
    expect(await metricValue('jobs_total', { queue, state: 'dead' })).toBe(1);
    expect(await metricValue('jobs_dead', { queue })).toBe(1);
  });

  it('reports the depth and the age of the oldest waiting job of a queue nobody works', async () => {
    const enqueueOnly = await JobQueue.open({
      database,
      log: quiet,
      work: false,
      retryLimit: 2,
      retryDelaySeconds: 1,
      pollingIntervalSeconds: 0.5,
    });
    try {
      const queue = queueName('kit-depth');
      await enqueueOnly.register({ queue, handle: () => Promise.reject(new Error('never run here')) });
      await database.db.transaction(async (tx) => {
        await enqueueOnly.enqueue(tx, queue, { n: 1 });
        await enqueueOnly.enqueue(tx, queue, { n: 2 });
      });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await metricValue('jobs_queue_depth', { queue })).toBe(2);
      expect(await metricValue('jobs_oldest_waiting_seconds', { queue })).toBeGreaterThanOrEqual(1);
    } finally {
      await enqueueOnly.close();
    }
  });

  it('refuses a job for a queue that was never registered', async () => {
    await expect(database.db.transaction((tx) => jobs.enqueue(tx, 'kit-unknown', { n: 1 }))).rejects.toThrow(
      'never registered',
    );
  });
});

describe.runIf(databaseUrl !== undefined)('job queues opened by replicas starting together', () => {
  it('when four replicas declare the same new queues at once, then every one starts and each queue exists once', async () => {
    const databases = await Promise.all(
      Array.from({ length: 4 }, () =>
        openDatabase({
          url: databaseUrl,
          dataDir: 'memory://',
          poolSize: 2,
          maxOverflow: 3,
          connectionTimeoutMs: 3000,
          idleTimeoutMs: 30_000,
          statementTimeoutMs: 10_000,
        }),
      ),
    );
    const queues = [queueName('kit-race-a'), queueName('kit-race-b'), queueName('kit-race-c')];
    const replicas = await Promise.all(
      databases.map((database) =>
        JobQueue.open({
          database,
          log: quiet,
          work: false,
          retryLimit: 1,
          retryDelaySeconds: 1,
          pollingIntervalSeconds: 1,
        }),
      ),
    );
    try {
      // Every replica declares every queue, in the same order, as the services' entry points do.
      await Promise.all(
        replicas.map(async (replica) => {
          for (const queue of queues) await replica.register({ queue, handle: () => Promise.resolve() });
        }),
      );
      const first = databases[0];
      if (!first) throw new Error('no database');
      const { rows } = await first.query<{ name: string }>(
        'select name from jobs.queue where name = any($1::text[]) order by name',
        [queues],
      );
      expect(rows.map((row) => row.name)).toEqual([...queues].sort());
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
      await Promise.all(databases.map((database) => database.close()));
    }
  }, 60_000);
});
