import { createHash } from 'node:crypto';
import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { Pool, type QueryResultRow } from 'pg';
import { makePrivateFolder, makePrivateTree } from '../files/index.js';
import { trackActiveConnections } from '../metrics/metrics.js';
import { isConnectionLost, isDatabaseUnavailable } from './database-errors.js';
import {
  availabilityOption,
  InstrumentedClient,
  instrumentPglite,
  ReplicaClient,
  type AvailabilityListener,
} from './instrumentation.js';
import { ReplicaMonitor, type ReadOptions, type RecentWrites, type ReplicaStatus } from './read-routing.js';

export interface DatabaseOptions {
  /** postgres://…; when undefined, embedded PGlite. */
  url?: string | undefined;
  /** Read replica (DATABASE_READ_URL): queries given `{ mayLag: true }` run there while it is healthy. */
  readUrl?: string | undefined;
  /** A replica further behind than this is skipped (DB_REPLICA_MAX_LAG_MS); default 2000. */
  replicaMaxLagMs?: number;
  /** How often the replica's lag is measured (DB_REPLICA_CHECK_MS); default 1000. */
  replicaCheckMs?: number;
  /** Read-your-writes: subjects written recently are read from the primary. Without it, only lag decides. */
  recentWrites?: RecentWrites | undefined;
  /** PGlite data folder, created private (0700, files 0600) if missing; `memory://` keeps it in memory. */
  dataDir: string;
  /** A folder above dataDir made private too (DATA_DIR, which also holds keys and mail). */
  privateRoot?: string | undefined;
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
  /**
   * PostgreSQL only: told `true` whenever a connection opens and `false` (with the error) whenever one is
   * refused or lost, for the dependency monitor. Called often; the listener keeps only the changes.
   */
  onAvailabilityChange?: AvailabilityListener;
}

/** drizzle's common type over node-postgres and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** drizzle over the primary. */
  readonly db: Db;
  /** drizzle over the read replica when `readUrl` is set, else the same object as `db`; no health routing. */
  readonly readDb: Db;
  /**
   * Runs one statement on the primary, or, with `read` = `{ mayLag: true, freshFor }`, on the read replica when
   * one is configured, healthy, close enough behind, and none of `freshFor` was written within the window.
   */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape of the rows it selected, which no driver can check
  query<Row = Record<string, unknown>>(
    text: string,
    params?: unknown[],
    read?: ReadOptions,
  ): Promise<{ rows: Row[]; rowCount: number }>;
  /** Records that `subjects` were just written, when a replica is in use (else there is nothing to route). */
  markWritten(subjects: readonly string[]): Promise<void>;
  /** Tells `listener` each time the replica becomes skipped or usable again; returns the unsubscribe function. */
  watchReplica(listener: (status: ReplicaStatus) => void): () => void;
  /** The replica's last measured state; null without DATABASE_READ_URL. */
  replicaStatus(): ReplicaStatus | null;
  /**
   * Runs one or more statements without parameters on the primary (the simple query protocol, which PGlite's
   * `query` does not speak) and answers the last statement's rows: for libraries that send SQL scripts.
   */
  exec(text: string): Promise<{ rows: Record<string, unknown>[] }>;
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
  return openEmbedded(options);
}

type UntypedQuery = (
  text: string,
  params?: unknown[],
  read?: ReadOptions,
) => Promise<{ rows: unknown[]; rowCount: number }>;

function withRowType(query: UntypedQuery): Database['query'] {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see Database['query']
  return async <Row>(text: string, params?: unknown[], read?: ReadOptions) => {
    const { rows, rowCount } = await query(text, params, read);
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

function createPool(connectionString: string, options: DatabaseOptions, Client = InstrumentedClient): Pool {
  const pool = new Pool({
    // Not a pg option: the pool passes it to each InstrumentedClient (see availabilityOption).
    ...(Client === InstrumentedClient ? { [availabilityOption]: options.onAvailabilityChange } : {}),
    connectionString,
    Client,
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
  pool.on('error', (error) => {
    if (isConnectionLost(error)) options.onAvailabilityChange?.(false, error);
    options.onConnectionError?.(error);
  });
  return pool;
}

/** One plain connection for the replica's lag checks: they are not the application's queries, so go uncounted. */
function monitorPool(connectionString: string, options: DatabaseOptions): Pool {
  const pool = new Pool({
    connectionString,
    max: 1,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: `${options.applicationName ?? 'lectern'}-replica-monitor`,
  });
  pool.on('error', () => undefined);
  return pool;
}

function connectionsInUse(pool: Pool): number {
  return pool.totalCount - pool.idleCount;
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  const primary = createPool(url, options);
  const replica =
    options.readUrl === undefined ? undefined : createPool(options.readUrl, options, ReplicaClient);
  const monitor =
    options.readUrl === undefined
      ? undefined
      : new ReplicaMonitor(monitorPool(url, options), monitorPool(options.readUrl, options), {
          maxLagMs: options.replicaMaxLagMs ?? 2000,
          checkMs: options.replicaCheckMs ?? 1000,
        });
  monitor?.start();
  const recentWrites = monitor === undefined ? undefined : options.recentWrites;
  const untrack = trackActiveConnections(
    () => connectionsInUse(primary) + (replica === undefined ? 0 : connectionsInUse(replica)),
  );
  const db: Db = drizzleNodePostgres({ client: primary });
  const readDb: Db = replica === undefined ? db : drizzleNodePostgres({ client: replica });

  const run = async (pool: Pool, text: string, params?: unknown[]) => {
    const result =
      params === undefined || params.length === 0
        ? await pool.query<QueryResultRow>(text)
        : await pool.query<QueryResultRow>({ name: statementName(text), text, values: params });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  };
  const replicaMayAnswer = async (read: ReadOptions | undefined): Promise<boolean> => {
    if (read === undefined || monitor?.current.usable !== true) return false;
    return !(await recentWrites?.anyRecent(read.freshFor ?? []));
  };
  const query = withRowType(async (text, params, read) => {
    if (replica !== undefined && (await replicaMayAnswer(read))) {
      try {
        return await run(replica, text, params);
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        monitor?.reportUnavailable(error);
      }
    }
    return run(primary, text, params);
  });
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    db,
    readDb,
    query,
    async markWritten(subjects) {
      await recentWrites?.mark(subjects);
    },
    watchReplica: (listener) => monitor?.watch(listener) ?? (() => undefined),
    replicaStatus: () => monitor?.current ?? null,
    async exec(text) {
      // A script answers one result per statement; a single statement answers just its result.
      const result = (await primary.query(text)) as unknown as
        { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
      const last = Array.isArray(result) ? result.at(-1) : result;
      return { rows: last?.rows ?? [] };
    },
    async ping() {
      await query('select 1');
    },
    close() {
      closing ??= (async () => {
        untrack();
        await monitor?.stop();
        await Promise.all([primary.end(), replica?.end()]);
      })();
      return closing;
    },
  };
}

/**
 * The embedded engine over `dataDir`, created private (0700, files 0600) if missing, with the extensions the
 * services' migrations use. `privateRoot`: a folder above it made private too (DATA_DIR).
 */
export async function openPglite(dataDir: string, privateRoot?: string): Promise<PGlite> {
  if (!dataDir.includes('://')) {
    if (privateRoot !== undefined) await makePrivateFolder(privateRoot);
    await makePrivateFolder(dataDir);
  }
  const pglite = new PGlite(dataDir, {
    extensions: { pg_trgm },
    // node-postgres returns int8 (count(*), bigserial) as a string; doing the same here keeps raw query
    // results identical whichever engine runs.
    parsers: { [types.INT8]: (value: string) => value },
  });
  await pglite.waitReady;
  if (!dataDir.includes('://')) await makePrivateTree(dataDir);
  return pglite;
}

async function openEmbedded(options: DatabaseOptions): Promise<Database> {
  const onDisk = !options.dataDir.includes('://');
  const pglite = await openPglite(options.dataDir, options.privateRoot);
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
    markWritten: () => Promise.resolve(),
    watchReplica: () => () => undefined,
    replicaStatus: () => null,
    async exec(text) {
      const results = await pglite.exec(text);
      return { rows: results.at(-1)?.rows ?? [] };
    },
    async ping() {
      await query('select 1');
    },
    close() {
      closing ??= (async () => {
        untrack();
        await pglite.close();
        if (onDisk) await makePrivateTree(options.dataDir);
      })();
      return closing;
    },
  };
}
