// Any failure to get a connection is "database unavailable" (503), whatever the server said: the statement never
// ran. Checked against a real PostgreSQL, on a throwaway database and role this file creates and drops.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAppError } from '../src/errors/error-handler.js';
import {
  isDatabaseUnavailable,
  openDatabase,
  type Database,
  type DatabaseOptions,
} from '../src/postgres/index.js';

const databaseUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL;
const onPostgres = databaseUrl !== undefined;

const suffix = randomBytes(4).toString('hex');
const throwawayDatabase = `lectern_connect_failures_${suffix}`;
const limitedRole = `lectern_no_connections_${suffix}`;

function urlFor(database: string, user?: string): string {
  const url = new URL(databaseUrl ?? 'postgres://localhost/none');
  url.pathname = `/${database}`;
  if (user) url.username = user;
  return url.toString();
}

function options(url: string): DatabaseOptions {
  return {
    url,
    dataDir: 'memory://',
    poolSize: 1,
    maxOverflow: 1,
    connectionTimeoutMs: 3000,
    idleTimeoutMs: 30_000,
    statementTimeoutMs: 10_000,
    applicationName: 'lectern-connect-failures-test',
  };
}

async function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function sqlState(error: unknown): unknown {
  let current: unknown = error;
  while (typeof current === 'object' && current !== null) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = cause;
  }
  return undefined;
}

/** The answer the HTTP layer would give. */
function answer(error: unknown): { status: number; code: string; retryAfter: string | undefined } {
  const appError = toAppError(error, 1024);
  return { status: appError.statusCode, code: appError.code, retryAfter: appError.headers['retry-after'] };
}

const unavailable = { status: 503, code: 'database_unavailable', retryAfter: '2' };

describe.runIf(onPostgres)('a connection the server refuses', () => {
  let admin: Database;

  beforeAll(async () => {
    admin = await openDatabase(options(databaseUrl ?? ''));
    await admin.query(`create database ${throwawayDatabase}`);
    await admin.query(`create role ${limitedRole} login connection limit 0`);
  });

  afterAll(async () => {
    await admin.query(`alter database ${throwawayDatabase} allow_connections true`).catch(() => undefined);
    await admin.query(`drop database if exists ${throwawayDatabase} with (force)`);
    await admin.query(`drop role if exists ${limitedRole}`);
    await admin.close();
  });

  it('is 503 when the database does not accept connections (55000), also for a pool that was serving', async () => {
    const database = await openDatabase(options(urlFor(throwawayDatabase)));
    try {
      await database.ping();
      await admin.query(`alter database ${throwawayDatabase} allow_connections false`);
      // The open connection ends, as an operator ending sessions would do.
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [throwawayDatabase],
      );
      // The pool may first hand out the connection just terminated; the one after must be a new connect.
      await settle(database.ping());
      const raw = await settle(database.query('select 1'));
      const viaDrizzle = await settle(database.db.execute(sql`select 1`));
      expect(sqlState(raw)).toBe('55000');
      expect(isDatabaseUnavailable(raw)).toBe(true);
      expect(isDatabaseUnavailable(viaDrizzle)).toBe(true);
      expect(answer(raw)).toEqual(unavailable);
      expect(answer(viaDrizzle)).toEqual(unavailable);
    } finally {
      await admin.query(`alter database ${throwawayDatabase} allow_connections true`);
      await database.close();
    }
  });

  it('is 503 when the database does not exist (3D000)', async () => {
    const database = await openDatabase(options(urlFor(`${throwawayDatabase}_missing`)));
    try {
      const error = await settle(database.query('select 1'));
      expect(sqlState(error)).toBe('3D000');
      expect(answer(error)).toEqual(unavailable);
    } finally {
      await database.close();
    }
  });

  it('is 503 when the role has no connection left (53300)', async () => {
    const database = await openDatabase(options(urlFor(throwawayDatabase, limitedRole)));
    try {
      const error = await settle(database.db.execute(sql`select 1`));
      expect(sqlState(error)).toBe('53300');
      expect(answer(error)).toEqual(unavailable);
    } finally {
      await database.close();
    }
  });

  it('is 503 when nothing listens (ECONNREFUSED)', async () => {
    const url = new URL(urlFor(throwawayDatabase));
    url.port = '1';
    const database = await openDatabase(options(url.toString()));
    try {
      expect(answer(await settle(database.query('select 1')))).toEqual(unavailable);
    } finally {
      await database.close();
    }
  });

  it('still answers 500 for a statement that ran and failed on a connection that opened', async () => {
    const database = await openDatabase(options(urlFor(throwawayDatabase)));
    try {
      const error = await settle(database.query(`select * from missing_${suffix}`));
      expect(sqlState(error)).toBe('42P01');
      expect(isDatabaseUnavailable(error)).toBe(false);
      expect(answer(error).status).toBe(500);
    } finally {
      await database.close();
    }
  });
});
