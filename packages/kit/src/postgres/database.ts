import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { Pool, type QueryResultRow } from 'pg';
import { trackActiveConnections } from '../metrics/metrics.js';
import { InstrumentedClient, instrumentPglite } from './instrumentation.js';

export interface DatabaseOptions {
  /** postgres://…; when undefined, embedded PGlite. */
  url?: string | undefined;
  /** Read replica (DATABASE_READ_URL); `readDb` uses it. */
  readUrl?: string | undefined;
  /** PGlite data folder, created if missing; `memory://` keeps it in memory. */
  dataDir: string;
  /** Connections kept open (DB_POOL_SIZE). */
  poolSize: number;
  /** Extra connections opened under load and closed when idle (DB_MAX_OVERFLOW). */
  maxOverflow: number;
  /** How long a query waits for a free connection, or for a new one to connect. */
  connectionTimeoutMs: number;
  idleTimeoutMs: number;
  /** PostgreSQL's statement_timeout; PGlite cannot interrupt a statement, so it has none. */
  statementTimeoutMs: number;
  /** Connections are replaced after this long (the spec's pool_recycle); default 3600. */
  maxLifetimeSeconds?: number;
  applicationName?: string;
  /** Told when an idle pooled connection fails; the pool has already dropped it. Default: ignored. */
  onConnectionError?: (error: Error) => void;
}

/** drizzle's common type over node-postgres and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** drizzle over the primary. */
  readonly db: Db;
  /** drizzle over the read replica when `readUrl` is set, else the same object as `db`. */
  readonly readDb: Db;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape of the rows it selected, which no driver can check
  query<Row = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: Row[]; rowCount: number }>;
  /** `SELECT 1` on the primary, for readiness. */
  ping(): Promise<void>;
  /** Closes every connection; calling it again waits for the first call. */
  close(): Promise<void>;
}

const defaultMaxLifetimeSeconds = 3600;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url !== undefined) return openPostgres(options.url, options);
  if (options.readUrl !== undefined) {
    throw new Error(
      'DATABASE_READ_URL is set without DATABASE_URL: a read replica needs a PostgreSQL primary',
    );
  }
  return openPglite(options);
}

type UntypedQuery = (text: string, params?: unknown[]) => Promise<{ rows: unknown[]; rowCount: number }>;

function withRowType(query: UntypedQuery): Database['query'] {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see Database['query']
  return async <Row>(text: string, params?: unknown[]) => {
    const { rows, rowCount } = await query(text, params);
    return { rows: rows as Row[], rowCount };
  };
}

const statementNames = new Map<string, string>();
const maxStatementNames = 1000;

/**
 * A name per statement text, so each connection parses and plans a hot statement once and then only binds and
 * runs it (node-postgres prepares a named statement on first use per connection). The services' statements are
 * fixed texts with parameters, a few hundred at most; past that, new texts stay unnamed.
 */
export function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= maxStatementNames) return undefined;
    name = `lectern_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

function createPool(connectionString: string, options: DatabaseOptions): Pool {
  const pool = new Pool({
    connectionString,
    Client: InstrumentedClient,
    // pg-pool's `min` keeps that many idle connections past idleTimeout, like SQLAlchemy's pool_size;
    // the overflow above it is closed once idle.
    min: options.poolSize,
    max: options.poolSize + options.maxOverflow,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? defaultMaxLifetimeSeconds,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName,
  });
  // An idle client that fails has already been removed by the pool; without a listener the 'error' event
  // would crash the process.
  pool.on('error', (error) => options.onConnectionError?.(error));
  return pool;
}

function connectionsInUse(pool: Pool): number {
  return pool.totalCount - pool.idleCount;
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  const primary = createPool(url, options);
  const replica = options.readUrl === undefined ? undefined : createPool(options.readUrl, options);
  const untrack = trackActiveConnections(
    () => connectionsInUse(primary) + (replica === undefined ? 0 : connectionsInUse(replica)),
  );
  const db: Db = drizzleNodePostgres({ client: primary });
  const readDb: Db = replica === undefined ? db : drizzleNodePostgres({ client: replica });

  const query = withRowType(async (text, params) => {
    const result =
      params === undefined || params.length === 0
        ? await primary.query<QueryResultRow>(text)
        : await primary.query<QueryResultRow>({ name: statementName(text), text, values: params });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  });
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    db,
    readDb,
    query,
    async ping() {
      await query('select 1');
    },
    close() {
      closing ??= (async () => {
        untrack();
        await Promise.all([primary.end(), replica?.end()]);
      })();
      return closing;
    },
  };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  if (!options.dataDir.includes('://')) await mkdir(options.dataDir, { recursive: true });
  const pglite = new PGlite(options.dataDir, {
    extensions: { pg_trgm },
    // node-postgres returns int8 (count(*), bigserial) as a string; doing the same here keeps raw query
    // results identical whichever engine runs.
    parsers: { [types.INT8]: (value: string) => value },
  });
  await pglite.waitReady;
  const untrack = trackActiveConnections(instrumentPglite(pglite));
  const db: Db = drizzlePglite({ client: pglite });

  const query = withRowType(async (text, params) => {
    const result = await pglite.query<Record<string, unknown>>(text, params);
    return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? 0 };
  });
  let closing: Promise<void> | undefined;
  return {
    kind: 'pglite',
    db,
    readDb: db,
    query,
    async ping() {
      await query('select 1');
    },
    close() {
      closing ??= (async () => {
        untrack();
        await pglite.close();
      })();
      return closing;
    },
  };
}
