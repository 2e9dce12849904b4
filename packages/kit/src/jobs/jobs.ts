import { setTimeout } from 'node:timers/promises';
import { sql, type SQL } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import { isDatabaseUnavailable, type Database, type Db } from '../postgres/index.js';
import { trackJobQueue, jobsTotal } from './jobs.metrics.js';

/** A drizzle handle the caller writes with: the database itself or a transaction on it. */
export type JobExecutor = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export interface JobLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface JobContext {
  id: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  log: JobLog;
}

/**
 * A kind of job a service owns (its src/jobs/<job>.job.ts): the queue's name and what running one does. A handler
 * that throws is retried with exponential backoff; after the last retry the job is kept as dead.
 */
export interface JobDefinition<Payload> {
  /** Letters, digits and hyphens, prefixed with the owning service: `auth-mail`. */
  queue: string;
  handle(payload: Payload, context: JobContext): Promise<void>;
  /** Retries after the first run; JOBS_RETRY_LIMIT when absent. */
  retryLimit?: number;
}

export interface JobQueueOptions {
  database: Database;
  log: JobLog;
  /** PostgreSQL schema of pg-boss's tables (JOBS_SCHEMA), `jobs` by default. */
  schema?: string;
  /** Run the handlers of registered jobs in this process (worker, all-in-one); false: only enqueue. */
  work: boolean;
  retryLimit: number;
  /** The first retry waits about this long, each next one about twice as long (pg-boss's jittered backoff). */
  retryDelaySeconds: number;
  pollingIntervalSeconds: number;
  /** A job running longer than this is taken as crashed and retried. */
  expireInSeconds?: number;
}

export interface QueueState {
  queue: string;
  /** Jobs waiting to run now or at their retry time. */
  waiting: number;
  active: number;
  /** Jobs that used up their retries; kept for JOBS_DEAD_KEEP_DAYS. */
  dead: number;
  /** Age of the oldest job waiting to run now, 0 when none is. */
  oldestWaitingSeconds: number;
}

export interface DeadJob {
  id: string;
  queue: string;
  payload: unknown;
  attempts: number;
  error: unknown;
  createdAt: Date;
  diedAt: Date | null;
}

/** pg-boss's tables live in their own schema, like each service's. */
const defaultSchema = 'jobs';
const defaultExpireInSeconds = 5 * 60;
const deadKeepSeconds = 30 * 24 * 3600;
/** How often a replica tries to declare a queue that other replicas are declaring at the same moment. */
const declareAttempts = 5;

/**
 * pg-boss runs SQL through this adapter: parameterized statements through the pool (or PGlite), scripts (its
 * schema migrations) through the simple protocol.
 */
function databaseAdapter(database: Database): PgBoss.Db {
  return {
    executeSql: (text: string, values: unknown[] | undefined) =>
      values && values.length > 0 ? database.query(text, values) : database.exec(text),
  };
}

/** pg-boss's `$n` placeholders as drizzle parameters, so its insert runs on the caller's transaction. */
function asDrizzleSql(text: string, values: unknown[]): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)));
    chunks.push(sql`${sql.param(values[Number(match[1]) - 1])}`);
    last = match.index + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

function transactionAdapter(executor: JobExecutor): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[]) {
      const result: unknown = await executor.execute(asDrizzleSql(text, values));
      // node-postgres and PGlite both answer `execute` with `{ rows }`; drizzle's common type leaves it open.
      return { rows: (result as { rows: unknown[] }).rows };
    },
  };
}

/**
 * The one job queue every service uses (DESIGN §2): a PostgreSQL table managed by pg-boss, filled inside the
 * writer's own transaction, so a job exists exactly when the write that caused it committed.
 */
export class JobQueue {
  private readonly definitions = new Map<string, JobDefinition<never>>();
  private readonly untrack: () => void;
  private closed = false;
  private readonly schema: string;
  /** One loop per queue this process works; close() waits for them. */
  private readonly loops = new Set<Promise<void>>();
  /** Aborted by close(): ends the loops' pauses at once. */
  private readonly stopping = new AbortController();

  private constructor(
    private readonly boss: PgBoss,
    private readonly options: JobQueueOptions,
  ) {
    this.schema = options.schema ?? defaultSchema;
    this.untrack = trackJobQueue(() => this.states());
  }

  /** Creates pg-boss's schema when missing (under its advisory lock, so replicas do not race) and starts it. */
  static async open(options: JobQueueOptions): Promise<JobQueue> {
    const boss = new PgBoss({
      db: databaseAdapter(options.database),
      schema: options.schema ?? defaultSchema,
      // Maintenance (expiring stuck jobs, archiving) runs where jobs run; API replicas only enqueue.
      supervise: options.work,
      schedule: false,
      migrate: true,
      archiveCompletedAfterSeconds: 3600,
      archiveFailedAfterSeconds: deadKeepSeconds,
      deleteAfterDays: 7,
      maintenanceIntervalSeconds: 60,
    });
    boss.on('error', (error: unknown) => {
      // An outage is the database's dependency monitor's to report, once; this would repeat it every round.
      if (isDatabaseUnavailable(error)) return;
      options.log.error({ err: error, event: 'jobs_error' }, 'job queue maintenance failed');
    });
    await boss.start();
    return new JobQueue(boss, options);
  }

  /** Declares a job kind (creating its queue when missing) and, in a process that works, starts running it. */
  async register<Payload>(definition: JobDefinition<Payload>): Promise<void> {
    if (this.definitions.has(definition.queue)) return;
    this.definitions.set(definition.queue, definition);
    const retryLimit = definition.retryLimit ?? this.options.retryLimit;
    const queueOptions = {
      retryLimit,
      retryDelay: this.options.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.options.expireInSeconds ?? defaultExpireInSeconds,
    };
    await this.declareQueue(definition.queue, queueOptions);
    if (this.options.work) this.work(definition, queueOptions.expireInSeconds);
  }

  /**
   * Adds a job inside `executor`'s transaction: it is committed or rolled back with the caller's write, and runs
   * only once committed. Answers the job's id.
   */
  async enqueue(executor: JobExecutor, queue: string, payload: object): Promise<string> {
    if (!this.definitions.has(queue)) throw new Error(`job queue ${queue} was never registered`);
    const id = await this.boss.send(queue, payload, { db: transactionAdapter(executor) });
    if (id === null) throw new Error(`job queue ${queue} refused the job`);
    return id;
  }

  /** Per registered queue: waiting, active and dead jobs and the age of the oldest waiting one. */
  async states(): Promise<QueueState[]> {
    const names = [...this.definitions.keys()];
    if (names.length === 0 || this.closed) return [];
    const { rows } = await this.options.database.query<{
      name: string;
      waiting: string;
      active: string;
      dead: string;
      oldest_waiting_seconds: number | null;
    }>(
      `select name,
              count(*) filter (where state in ('created', 'retry')) as waiting,
              count(*) filter (where state = 'active') as active,
              count(*) filter (where state = 'failed') as dead,
              extract(epoch from now() - min(created_on) filter (
                where state in ('created', 'retry') and start_after <= now()))::float8 as oldest_waiting_seconds
         from ${this.schema}.job
        where name = any($1::text[])
        group by name`,
      [names],
    );
    const byName = new Map(rows.map((row) => [row.name, row]));
    return names.map((queue) => {
      const row = byName.get(queue);
      return {
        queue,
        waiting: Number(row?.waiting ?? 0),
        active: Number(row?.active ?? 0),
        dead: Number(row?.dead ?? 0),
        oldestWaitingSeconds: Math.max(0, row?.oldest_waiting_seconds ?? 0),
      };
    });
  }

  /** The newest dead jobs of a queue, with the error of their last attempt, for an operator to look at. */
  async deadJobs(queue: string, limit = 50): Promise<DeadJob[]> {
    const { rows } = await this.options.database.query<{
      id: string;
      name: string;
      data: unknown;
      retry_count: number;
      output: unknown;
      created_on: Date | string;
      completed_on: Date | string | null;
    }>(
      `select id, name, data, retry_count, output, created_on, completed_on
         from ${this.schema}.job where name = $1 and state = 'failed'
        order by completed_on desc nulls last limit $2`,
      [queue, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      queue: row.name,
      payload: row.data,
      attempts: row.retry_count + 1,
      error: row.output,
      createdAt: new Date(row.created_on),
      diedAt: row.completed_on === null ? null : new Date(row.completed_on),
    }));
  }

  /** Stops taking jobs, lets running ones finish (up to `timeoutMs`), then lets go of the database. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.untrack();
    this.stopping.abort();
    await Promise.race([Promise.all(this.loops), setTimeout(timeoutMs, undefined, { ref: false })]);
    await this.boss.stop({ graceful: true, wait: true, timeout: Math.max(timeoutMs, 1000), close: false });
  }

  /**
   * Creates the queue or updates its options. Replicas starting together race here: pg-boss's create_queue can
   * deadlock with another replica's (each makes a partition), or fail because the other created it first. The
   * loser looks again after a short, random pause.
   */
  private async declareQueue(queue: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (await this.boss.getQueue(queue)) await this.boss.updateQueue(queue, { name: queue, ...options });
        else await this.boss.createQueue(queue, { name: queue, ...options });
        return;
      } catch (error) {
        if (attempt >= declareAttempts) throw error;
        await setTimeout(50 + Math.random() * 200 * attempt);
      }
    }
  }

  /**
   * Runs a queue's jobs one at a time until close(). This loop is ours rather than pg-boss's `work()`: pg-boss
   * marks a job done or failed without awaiting it, so a database that goes away while a job runs rejected that
   * promise unhandled and ended the process. Here every database call is awaited: while the database is away the
   * loop waits and polls again, and a job's outcome is recorded once the database is back.
   */
  private work(definition: JobDefinition<never>, expireInSeconds: number): void {
    const loop = this.runQueue(definition, expireInSeconds).finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  private async runQueue(definition: JobDefinition<never>, expireInSeconds: number): Promise<void> {
    while (!this.closed) {
      const [job] = await this.fetchJob(definition.queue);
      if (job) {
        await this.runJob(definition, job, expireInSeconds);
      } else {
        await this.pause();
      }
    }
  }

  /** The next job of the queue, or none (also when the database cannot be reached: the next poll tries again). */
  private async fetchJob(queue: string): Promise<PgBoss.JobWithMetadata<never>[]> {
    try {
      return await this.boss.fetch<never>(queue, { batchSize: 1, includeMetadata: true });
    } catch (error) {
      this.reportFailure(error, queue);
      return [];
    }
  }

  private async runJob(
    definition: JobDefinition<never>,
    job: PgBoss.JobWithMetadata<never>,
    expireInSeconds: number,
  ): Promise<void> {
    const { log } = this.options;
    const attempt = job.retryCount + 1;
    const context = { id: job.id, attempt, log };
    let failure: Error | undefined;
    try {
      await withinSeconds(definition.handle(job.data, context), expireInSeconds);
      jobsTotal.inc({ queue: definition.queue, state: 'completed' });
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      const dead = job.retryCount >= job.retryLimit;
      jobsTotal.inc({ queue: definition.queue, state: dead ? 'dead' : 'failed' });
      log[dead ? 'error' : 'warn'](
        {
          event: dead ? 'job_dead' : 'job_failed',
          queue: definition.queue,
          job_id: job.id,
          attempt,
          err: error,
        },
        dead ? 'job failed for the last time; kept as dead' : 'job failed; it will be retried',
      );
    }
    await this.settle(definition.queue, job.id, failure);
  }

  /**
   * Records a job's outcome, trying again while the database is away. Should the process stop first, the job
   * stays active until it expires, and pg-boss runs it again then: a job runs at least once.
   */
  private async settle(queue: string, id: string, failure: Error | undefined): Promise<void> {
    for (;;) {
      try {
        if (failure === undefined) await this.boss.complete(queue, id);
        else await this.boss.fail(queue, id, failure);
        return;
      } catch (error) {
        this.reportFailure(error, queue);
        if (this.closed) return;
        await this.pause();
      }
    }
  }

  /** A lost database is reported once by its dependency monitor (through the pool); anything else is logged here. */
  private reportFailure(error: unknown, queue: string): void {
    if (isDatabaseUnavailable(error)) return;
    this.options.log.error({ err: error, event: 'jobs_error', queue }, 'job queue query failed');
  }

  private async pause(): Promise<void> {
    try {
      await setTimeout(this.options.pollingIntervalSeconds * 1000, undefined, {
        signal: this.stopping.signal,
      });
    } catch {
      // close() ended the pause.
    }
  }
}

/** pg-boss's rule for a job that runs too long: it has failed (and is retried) once its expiry has passed. */
async function withinSeconds(work: Promise<void>, seconds: number): Promise<void> {
  const timeout = new AbortController();
  try {
    await Promise.race([
      work,
      setTimeout(seconds * 1000, undefined, { signal: timeout.signal }).then(
        () => {
          throw new Error(`job ran longer than its expiry (${seconds} s)`);
        },
        () => undefined, // aborted: the job settled first
      ),
    ]);
  } finally {
    timeout.abort();
  }
}
