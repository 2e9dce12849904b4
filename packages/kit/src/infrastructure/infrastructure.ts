import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Cache } from '../cache/index.js';
import type { BaseConfig } from '../config/config.js';
import { openDatabase, type Database, type DatabaseOptions } from '../postgres/index.js';
import { createRedis, pingRedis } from '../redis/index.js';

/** The stateful parts a service runs on. All-in-one opens one set and hands it to all three services. */
export interface Infrastructure {
  database: Database;
  redis: Redis | null;
  cache: Cache;
  close(): Promise<void>;
}

export function databaseOptions(config: BaseConfig, applicationName: string): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    readUrl: config.DATABASE_URL ? config.DATABASE_READ_URL : undefined,
    dataDir: config.DATA_DIR.startsWith('memory://') ? config.DATA_DIR : resolve(config.DATA_DIR, 'pglite'),
    poolSize: config.DB_POOL_SIZE,
    maxOverflow: config.DB_MAX_OVERFLOW,
    connectionTimeoutMs: config.DB_CONNECTION_TIMEOUT_MS,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    applicationName,
  };
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

export async function openInfrastructure(config: BaseConfig, name: string): Promise<Infrastructure> {
  const database = await openDatabase(databaseOptions(config, `lectern-${name}`));
  const redis = config.REDIS_URL ? createRedis(config.REDIS_URL, { name: `lectern-${name}` }) : null;
  const cache = await openCache(config, redis);
  return {
    database,
    redis,
    cache,
    async close() {
      await cache.close();
      if (redis) redis.disconnect();
      await database.close();
    },
  };
}

/** Readiness: PostgreSQL is critical; Redis only degrades the process (the loader answers without it). */
export function watchInfrastructure(app: FastifyInstance, infrastructure: Infrastructure): void {
  const { database, redis } = infrastructure;
  app.readiness.add('postgres', { critical: true, check: () => database.ping() });
  if (redis) app.readiness.add('redis', { critical: false, check: () => pingRedis(redis) });
}
