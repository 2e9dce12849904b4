import { resolve } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Cache } from '../cache/index.js';
import { JobQueue } from '../jobs/index.js';
import { loggerOptions } from '../logging/index.js';
import type { BaseConfig } from '../config/config.js';
import { DependencyMonitor } from '../health/index.js';
import {
  freshness,
  openDatabase,
  RecentWrites,
  type Database,
  type DatabaseOptions,
} from '../postgres/index.js';
import { createRedis, pingRedis } from '../redis/index.js';

/** The stateful parts a service runs on. All-in-one opens one set and hands it to all three services. */
export interface Infrastructure {
  database: Database;
  redis: Redis | null;
  cache: Cache;
  /** Lost and regained connections to PostgreSQL and Redis (logs, dependency_up); absent in hand-built test sets. */
  dependencies?: DependencyMonitor;
  /** The job queue when asked for: `work` runs handlers here (worker, all-in-one), `enqueue` only adds jobs. */
  jobs: JobQueue | null;
  close(): Promise<void>;
}

export interface InfrastructureOptions {
  jobs?: 'work' | 'enqueue';
}

/** The job queue the JOBS_* settings describe, on `database`. */
export function openJobQueue(
  config: BaseConfig,
  database: Database,
  name: string,
  mode: 'work' | 'enqueue',
): Promise<JobQueue> {
  return JobQueue.open({
    database,
    log: pino(loggerOptions(config.LOG_LEVEL, `${name}-jobs`)),
    work: mode === 'work',
    schema: config.JOBS_SCHEMA,
    retryLimit: config.JOBS_RETRY_LIMIT,
    retryDelaySeconds: config.JOBS_RETRY_DELAY_SECONDS,
    pollingIntervalSeconds: config.JOBS_POLL_INTERVAL_SECONDS,
  });
}

export function databaseOptions(config: BaseConfig, applicationName: string): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    readUrl: config.DATABASE_URL ? config.DATABASE_READ_URL : undefined,
    dataDir: config.DATA_DIR.startsWith('memory://') ? config.DATA_DIR : resolve(config.DATA_DIR, 'pglite'),
    privateRoot: config.DATA_DIR.startsWith('memory://') ? undefined : resolve(config.DATA_DIR),
    poolSize: config.DB_POOL_SIZE,
    maxOverflow: config.DB_MAX_OVERFLOW,
    connectionTimeoutMs: config.DB_CONNECTION_TIMEOUT_MS,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    replicaMaxLagMs: config.DB_REPLICA_MAX_LAG_MS,
    replicaCheckMs: config.DB_REPLICA_CHECK_MS,
    applicationName,
  };
}

/**
 * How long a writer's reads stay on the primary. The replica is used only while its measured lag is under
 * DB_REPLICA_MAX_LAG_MS, measured at most DB_REPLICA_CHECK_MS ago: a write older than both has reached it.
 */
export function readYourWritesWindowMs(config: BaseConfig): number {
  return config.DB_REPLICA_MAX_LAG_MS + 2 * config.DB_REPLICA_CHECK_MS;
}

/** The cache the CACHE_* settings describe, over `redis` when there is one. */
export function openCache(config: BaseConfig, redis: Redis | null): Promise<Cache> {
  return Cache.create({
    redis,
    prefix: config.CACHE_PREFIX,
    ttlSeconds: config.CACHE_TTL_SECONDS,
    l1TtlMs: config.CACHE_L1_TTL_MS,
    l1MaxEntries: config.CACHE_L1_MAX_ENTRIES,
    l1MaxBytes: config.CACHE_L1_MAX_MB * 1024 * 1024,
  });
}

/** Reports the client's connection to the monitor: `ready` is up, `close` is down with the last error seen. */
function monitorRedis(redis: Redis, dependencies: DependencyMonitor): void {
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  redis.on('ready', () => dependencies.report('redis', true));
  redis.on('close', () => dependencies.report('redis', false, lastError ?? new Error('connection closed')));
}

export async function openInfrastructure(
  config: BaseConfig,
  name: string,
  options: InfrastructureOptions = {},
): Promise<Infrastructure> {
  const dependencies = new DependencyMonitor();
  const redis = config.REDIS_URL ? createRedis(config.REDIS_URL, { name: `lectern-${name}` }) : null;
  if (redis) monitorRedis(redis, dependencies);
  const recentWrites = new RecentWrites(redis, config.CACHE_PREFIX, readYourWritesWindowMs(config));
  let database: Database;
  try {
    database = await openDatabase({
      ...databaseOptions(config, `lectern-${name}`),
      recentWrites,
      onAvailabilityChange: (up, error) => dependencies.report('postgres', up, error),
    });
  } catch (error) {
    redis?.disconnect();
    throw error;
  }
  let jobs: JobQueue | null = null;
  try {
    if (options.jobs) jobs = await openJobQueue(config, database, name, options.jobs);
  } catch (error) {
    redis?.disconnect();
    await database.close();
    throw error;
  }
  const cache = await openCache(config, redis);
  return {
    database,
    redis,
    cache,
    dependencies,
    jobs,
    async close() {
      // Running jobs finish before the database they write to closes.
      await jobs?.close(config.SHUTDOWN_GRACE_MS);
      await cache.close();
      if (redis) redis.disconnect();
      await database.close();
    },
  };
}

/** Runs a readiness probe and tells the monitor what it found. */
function probe(dependencies: DependencyMonitor, dependency: string, check: () => Promise<void>) {
  return async () => {
    try {
      await check();
    } catch (error) {
      dependencies.report(dependency, false, error);
      throw error;
    }
    dependencies.report(dependency, true);
  };
}

/**
 * Readiness: PostgreSQL is critical; Redis only degrades the process (the loader answers without it). Lost and
 * regained connections are logged through this app's logger.
 */
export function watchInfrastructure(app: FastifyInstance, infrastructure: Infrastructure): void {
  const { database, redis } = infrastructure;
  const dependencies = infrastructure.dependencies ?? new DependencyMonitor();
  dependencies.attachLogger(app.log);
  app.readiness.add('postgres', {
    critical: true,
    check: probe(dependencies, 'postgres', () => database.ping()),
  });
  if (redis) {
    app.readiness.add('redis', {
      critical: false,
      check: probe(dependencies, 'redis', () => pingRedis(redis)),
    });
  }
  markWrites(app, database);
  const unwatch = database.watchReplica((status) => {
    if (status.usable)
      app.log.info({ event: 'db_replica_usable', lag_ms: status.lagMs }, 'read replica in use');
    else
      app.log.warn(
        { event: 'db_replica_skipped', reason: status.reason },
        'read replica skipped: primary answers',
      );
  });
  app.addHook('onClose', (_instance, done) => {
    unwatch();
    done();
  });
}

const readOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `/api/courses/12/lessons` → `courses`: the area whose reads name `freshness.area(…)`. */
function areaOf(url: string): string | undefined {
  return /^\/api\/([a-z-]+)/.exec(url)?.[1];
}

/**
 * Read-your-writes for every service at once: a signed-in user's write request marks that user, and the API
 * area it wrote to, as recently written, before the handler runs (so no reader can slip in between the
 * commit and the mark) and again when it answers (so the window counts from the commit). Reads that name those
 * subjects in `freshFor` then go to the primary, on every replica of every service, until the window ends.
 */
function markWrites(app: FastifyInstance, database: Database): void {
  if (database.replicaStatus() === null) return;
  const subjectsOf = (request: FastifyRequest): string[] => {
    if (readOnlyMethods.has(request.method) || !request.user) return [];
    const area = areaOf(request.url);
    const subjects = [freshness.user(request.user.id)];
    if (area !== undefined) subjects.push(freshness.area(area));
    return subjects;
  };
  app.addHook('preHandler', async (request) => {
    await database.markWritten(subjectsOf(request));
  });
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode < 400) await database.markWritten(subjectsOf(request));
  });
}
