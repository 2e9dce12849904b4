import { randomBytes } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { pgSchema, serial, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../src/metrics/metrics.js';
import {
  isDatabaseUnavailable,
  openDatabase,
  runMigrations,
  statementName,
  type Database,
  type DatabaseOptions,
} from '../src/postgres/index.js';

// CI points DATABASE_URL at a real PostgreSQL; without it every test runs on embedded PGlite.
const databaseUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL;
const onPostgres = databaseUrl !== undefined;

const temporaryFolders: string[] = [];

function options(overrides: Partial<DatabaseOptions> = {}): DatabaseOptions {
  return {
    url: databaseUrl,
    dataDir: 'memory://',
    poolSize: 2,
    maxOverflow: 3,
    connectionTimeoutMs: 3000,
    idleTimeoutMs: 30_000,
    statementTimeoutMs: 10_000,
    applicationName: 'lectern-kit-test',
    ...overrides,
  };
}

function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

async function temporaryFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'lectern-postgres-test-'));
  temporaryFolders.push(folder);
  return folder;
}

const migrationFixture = fileURLToPath(new URL('./fixtures/postgres-migrations', import.meta.url));

/** A copy of the fixture migrations that create and fill `schema`, so every test run owns its tables. */
async function migrationFolder(schema: string): Promise<string> {
  const folder = await temporaryFolder();
  await cp(migrationFixture, folder, { recursive: true });
  for (const file of await readdir(folder)) {
    if (!file.endsWith('.sql')) continue;
    const path = join(folder, file);
    await writeFile(path, (await readFile(path, 'utf8')).replaceAll('__SCHEMA__', schema));
  }
  return folder;
}

interface JournalFile {
  entries: { idx: number; tag: string; when: number; version: string; breakpoints: boolean }[];
}

async function editJournal(folder: string, edit: (journal: JournalFile) => JournalFile): Promise<void> {
  const path = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(path, 'utf8')) as JournalFile;
  await writeFile(path, JSON.stringify(edit(journal), null, 2));
}

async function dropOwnData(database: Database, schema: string, service = schema): Promise<void> {
  await database.query(`drop schema if exists "${schema}" cascade`);
  await database.query('delete from public.lectern_migrations where service = $1', [service]).catch(() => {
    // The bookkeeping table does not exist when no migration ever ran on this database.
  });
}

async function sampleSum(metricName: string, sampleName: string, operation?: string): Promise<number> {
  const metric = registry.getSingleMetric(metricName);
  if (metric === undefined) throw new Error(`metric ${metricName} is not registered`);
  const { values } = await metric.get();
  return values
    .filter((sample) => ('metricName' in sample ? sample.metricName : metricName) === sampleName)
    .filter((sample) => operation === undefined || sample.labels.operation === operation)
    .reduce((sum, sample) => sum + sample.value, 0);
}

const operations = ['select', 'insert', 'update', 'delete', 'other'] as const;

async function queryCounts(): Promise<Record<string, { counted: number; timed: number }>> {
  const counts: Record<string, { counted: number; timed: number }> = {};
  for (const operation of operations) {
    counts[operation] = {
      counted: await sampleSum('db_queries_total', 'db_queries_total', operation),
      timed: await sampleSum('db_query_duration_seconds', 'db_query_duration_seconds_count', operation),
    };
  }
  return counts;
}

function activeConnections(): Promise<number> {
  return sampleSum('active_connections', 'active_connections');
}

function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let database: Database;

beforeAll(async () => {
  database = await openDatabase(options());
});

afterAll(async () => {
  await database.close();
  await Promise.all(temporaryFolders.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe('runMigrations', () => {
  it('applies each migration exactly once when two runners start together', async () => {
    const schema = uniqueName('kit_migrate');
    const folder = await migrationFolder(schema);
    // Two handles are two pools, like two replicas; PGlite is one connection per data folder, so it shares one.
    const other = onPostgres ? await openDatabase(options()) : database;
    try {
      const results = await Promise.all([
        runMigrations(database, { service: schema, folder }),
        runMigrations(other, { service: schema, folder }),
      ]);

      expect(results.map((result) => result.applied.length).sort()).toEqual([0, 2]);
      expect(results.flatMap((result) => result.applied)).toEqual(['0000_create_notes', '0001_seed_notes']);
      const bookkeeping = await database.query<{ tag: string }>(
        'select tag from public.lectern_migrations where service = $1 order by tag',
        [schema],
      );
      expect(bookkeeping.rows.map((row) => row.tag)).toEqual(['0000_create_notes', '0001_seed_notes']);
      const seeded = await database.query<{ count: string }>(
        `select count(*) as count from "${schema}".notes`,
      );
      expect(seeded.rows).toEqual([{ count: '1' }]);
      await expect(runMigrations(database, { service: schema, folder })).resolves.toEqual({ applied: [] });
    } finally {
      if (other !== database) await other.close();
      await dropOwnData(database, schema);
    }
  });

  it('applies only the migrations added since the last run', async () => {
    const schema = uniqueName('kit_migrate');
    const folder = await migrationFolder(schema);
    const fullJournal = await readFile(join(folder, 'meta', '_journal.json'), 'utf8');
    try {
      await editJournal(folder, (journal) => ({ ...journal, entries: journal.entries.slice(0, 1) }));
      await expect(runMigrations(database, { service: schema, folder })).resolves.toEqual({
        applied: ['0000_create_notes'],
      });

      await writeFile(join(folder, 'meta', '_journal.json'), fullJournal);
      await expect(runMigrations(database, { service: schema, folder })).resolves.toEqual({
        applied: ['0001_seed_notes'],
      });
    } finally {
      await dropOwnData(database, schema);
    }
  });

  it('refuses to run when an applied migration was changed', async () => {
    const schema = uniqueName('kit_migrate');
    const folder = await migrationFolder(schema);
    try {
      await runMigrations(database, { service: schema, folder });
      await appendFile(join(folder, '0000_create_notes.sql'), '--> statement-breakpoint\nSELECT 1;\n');

      await expect(runMigrations(database, { service: schema, folder })).rejects.toThrow(
        new RegExp(`${schema}/0000_create_notes .* changed after it was applied`),
      );
    } finally {
      await dropOwnData(database, schema);
    }
  });

  it('rolls back the whole run when one migration fails', async () => {
    const schema = uniqueName('kit_migrate');
    const folder = await migrationFolder(schema);
    try {
      await writeFile(
        join(folder, '0002_broken.sql'),
        `ALTER TABLE "${schema}"."missing" ADD COLUMN "x" text;`,
      );
      await editJournal(folder, (journal) => {
        const last = journal.entries[journal.entries.length - 1];
        if (last === undefined) throw new Error('the fixture journal is empty');
        return { ...journal, entries: [...journal.entries, { ...last, idx: 2, tag: '0002_broken' }] };
      });

      await expect(runMigrations(database, { service: schema, folder })).rejects.toThrow(
        `Migration ${schema}/0002_broken failed`,
      );
      const bookkeeping = await database.query(
        'select tag from public.lectern_migrations where service = $1',
        [schema],
      );
      expect(bookkeeping.rows).toEqual([]);
      const created = await database.query(
        'select 1 from information_schema.schemata where schema_name = $1',
        [schema],
      );
      expect(created.rows).toEqual([]);
    } finally {
      await dropOwnData(database, schema);
    }
  });
});

describe('drizzle', () => {
  it('inserts and selects through db, and readDb is db when no replica is set', async () => {
    const schemaName = uniqueName('kit_drizzle');
    const notes = pgSchema(schemaName).table('notes', {
      id: serial('id').primaryKey(),
      body: text('body').notNull(),
    });
    await database.query(`create schema "${schemaName}"`);
    await database.query(`create table "${schemaName}".notes (id serial primary key, body text not null)`);
    try {
      const inserted = await database.db
        .insert(notes)
        .values([{ body: 'first' }, { body: 'second' }])
        .returning();
      await expect(
        database.db.transaction(async (tx) => {
          await tx.insert(notes).values({ body: 'rolled back' });
          throw new Error('abort the transaction');
        }),
      ).rejects.toThrow('abort the transaction');

      expect(database.readDb).toBe(database.db);
      const selected = await database.readDb.select().from(notes).orderBy(notes.id);
      expect(selected).toEqual(inserted);
      expect(selected.map((note) => note.body)).toEqual(['first', 'second']);
    } finally {
      await dropOwnData(database, schemaName);
    }
  });

  it.runIf(onPostgres)('reads through readDb from the replica URL when one is set', async () => {
    const schemaName = uniqueName('kit_replica');
    const notes = pgSchema(schemaName).table('notes', { id: serial('id').primaryKey(), body: text('body') });
    // The test database stands in for its own replica: what matters is that readDb is a separate pool.
    const replicated = await openDatabase(options({ readUrl: databaseUrl }));
    try {
      await replicated.query(`create schema "${schemaName}"`);
      await replicated.query(`create table "${schemaName}".notes (id serial primary key, body text)`);
      await replicated.db.insert(notes).values({ body: 'written to the primary' });

      expect(replicated.readDb).not.toBe(replicated.db);
      const rows = await replicated.readDb.select({ body: notes.body }).from(notes);
      expect(rows).toEqual([{ body: 'written to the primary' }]);
    } finally {
      await dropOwnData(replicated, schemaName);
      await replicated.close();
    }
  });
});

describe('metrics', () => {
  it('counts and times every query by its operation, including queries inside transactions', async () => {
    const schemaName = uniqueName('kit_metrics');
    const notes = pgSchema(schemaName).table('notes', { id: serial('id').primaryKey(), body: text('body') });
    await database.query(`create schema "${schemaName}"`);
    await database.query(`create table "${schemaName}".notes (id serial primary key, body text)`);
    try {
      const before = await queryCounts();

      await database.query('select 1');
      await database.query(`insert into "${schemaName}".notes (body) values ($1)`, ['raw']);
      await database.query(
        `with target as (select id from "${schemaName}".notes) update "${schemaName}".notes set body = 'x' where id in (select id from target)`,
      );
      await database.db.transaction(async (tx) => {
        await tx.insert(notes).values({ body: 'in a transaction' });
        await tx.select().from(notes);
      });
      await database.query(`delete from "${schemaName}".notes`);

      const after = await queryCounts();
      const added = (operation: (typeof operations)[number]) => ({
        counted: (after[operation]?.counted ?? 0) - (before[operation]?.counted ?? 0),
        timed: (after[operation]?.timed ?? 0) - (before[operation]?.timed ?? 0),
      });
      expect(added('select')).toEqual({ counted: 2, timed: 2 });
      expect(added('insert')).toEqual({ counted: 2, timed: 2 });
      expect(added('update')).toEqual({ counted: 1, timed: 1 });
      expect(added('delete')).toEqual({ counted: 1, timed: 1 });
      expect(
        await sampleSum('db_query_duration_seconds', 'db_query_duration_seconds_sum', 'select'),
      ).toBeGreaterThan(0);
    } finally {
      await dropOwnData(database, schemaName);
    }
  });

  it('reports a connection in use while a query holds it', async () => {
    const idle = await activeConnections();
    const sleeping = database.query('select pg_sleep(0.3)');
    // PGlite runs the query on this thread, so the first sample is taken before it starts; node-postgres
    // checks the connection out asynchronously, so it is sampled again while the query sleeps.
    let busy = await activeConnections();
    const finished = sleeping.then(() => 'finished' as const);
    while ((await Promise.race([finished, sleep(25)])) !== 'finished') {
      busy = Math.max(busy, await activeConnections());
    }

    expect(busy).toBeGreaterThanOrEqual(idle + 1);
    expect(await activeConnections()).toBe(idle);
  });
});

describe('pool limits', () => {
  // PGlite is one in-process connection without a pool, so only PostgreSQL can run out of connections.
  it.runIf(onPostgres)(
    'rejects a query as database-unavailable when the only connection stays busy past the timeout',
    async () => {
      const exhausted = await openDatabase(
        options({ poolSize: 1, maxOverflow: 0, connectionTimeoutMs: 500 }),
      );
      try {
        const holding = exhausted.query('select pg_sleep(1.5)');
        const started = performance.now();
        const [rawError, drizzleError] = await Promise.all([
          settle(exhausted.query('select 1')),
          settle(exhausted.db.execute(sql`select 1`)),
        ]);
        const waited = performance.now() - started;

        expect(rawError).toBeInstanceOf(Error);
        expect(isDatabaseUnavailable(rawError)).toBe(true);
        expect(isDatabaseUnavailable(drizzleError)).toBe(true);
        expect(waited).toBeLessThan(5000);
        await holding;
        await expect(exhausted.ping()).resolves.toBeUndefined();
      } finally {
        await exhausted.close();
      }
    },
  );

  it.runIf(onPostgres)(
    'when a statement with parameters runs again on a connection, then it runs as the prepared statement',
    async () => {
      const single = await openDatabase(options({ poolSize: 1, maxOverflow: 0 }));
      const text = `select $1::int + 1 as next -- ${randomBytes(4).toString('hex')}`;
      try {
        for (const value of [1, 2]) {
          expect((await single.query<{ next: number }>(text, [value])).rows).toEqual([{ next: value + 1 }]);
        }
        const prepared = await single.query<{ statement: string }>(
          'select statement from pg_prepared_statements where name = $1',
          [statementName(text)],
        );
        expect(prepared.rows).toEqual([{ statement: text }]);
        expect(statementName(text)).toBe(statementName(text));
        expect(statementName(`${text} `)).not.toBe(statementName(text));
      } finally {
        await single.close();
      }
    },
  );

  // PGlite runs statements on the JavaScript thread and cannot interrupt them, so statement_timeout is PostgreSQL's.
  it.runIf(onPostgres)('cancels a statement that runs longer than statement_timeout', async () => {
    const impatient = await openDatabase(options({ statementTimeoutMs: 200 }));
    try {
      const started = performance.now();
      const rawError = await settle(impatient.query('select pg_sleep(3)'));
      const drizzleError = await settle(impatient.db.execute(sql`select pg_sleep(3)`));

      expect(rawError).toMatchObject({ code: '57014' });
      expect(isDatabaseUnavailable(rawError)).toBe(true);
      expect(isDatabaseUnavailable(drizzleError)).toBe(true);
      expect(performance.now() - started).toBeLessThan(5000);
      await expect(impatient.ping()).resolves.toBeUndefined();
    } finally {
      await impatient.close();
    }
  });

  // Only a server can drop a connection under the pool.
  it.runIf(onPostgres)('replaces a connection the server terminated, without crashing', async () => {
    const connectionErrors: Error[] = [];
    let connectionErrorSeen: () => void = () => undefined;
    const errorSeen = new Promise<void>((resolve) => {
      connectionErrorSeen = resolve;
    });
    const single = await openDatabase(
      options({
        poolSize: 1,
        maxOverflow: 0,
        onConnectionError: (error) => {
          connectionErrors.push(error);
          connectionErrorSeen();
        },
      }),
    );
    const backendPid = async (): Promise<number> =>
      (await single.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? -1;
    try {
      const idlePid = await backendPid();
      await database.query('select pg_terminate_backend($1)', [idlePid]);
      await errorSeen;
      const afterIdleDrop = await backendPid();
      expect(afterIdleDrop).not.toBe(idlePid);
      expect(connectionErrors.length).toBe(1);

      const transactionError = await settle(
        single.db.transaction(async (tx) => {
          await tx.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
        }),
      );
      expect(isDatabaseUnavailable(transactionError)).toBe(true);
      expect(await backendPid()).not.toBe(afterIdleDrop);
    } finally {
      await single.close();
    }
  });
});

describe('isDatabaseUnavailable', () => {
  it('is true for errors that mean the database cannot serve now', () => {
    const unavailable: unknown[] = [
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      new Error('Failed query: select 1', { cause: Object.assign(new Error('shutdown'), { code: '57P02' }) }),
      new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'connect failed'),
    ];
    for (const error of unavailable) expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it.runIf(onPostgres)(
    'is true for a query on a pool already closed (a request outliving shutdown)',
    async () => {
      const closed = await openDatabase(options());
      await closed.close();
      const error = await settle(closed.query('select 1'));
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(error)).toBe(true);
    },
  );

  it('is false for errors in the query or the data, and for non-errors', () => {
    const available: unknown[] = [
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
      Object.assign(new Error('relation "missing" does not exist'), { code: '42P01' }),
      new Error('Failed query: select', { cause: Object.assign(new Error('syntax'), { code: '42601' }) }),
      new Error('something else'),
      undefined,
      'Connection terminated',
    ];
    for (const error of available) expect(isDatabaseUnavailable(error), String(error)).toBe(false);
  });

  it('is true when nothing listens on the PostgreSQL port', async () => {
    const unreachable = await openDatabase(options({ url: 'postgres://root@127.0.0.1:1/test' }));
    try {
      const error = await settle(unreachable.ping());
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await unreachable.close();
    }
  });
});

describe('embedded PGlite', () => {
  it('creates a missing data folder, stores the database in it, and offers pg_trgm', async () => {
    const dataDir = join(await temporaryFolder(), 'nested', 'pglite');
    const embedded = await openDatabase(options({ url: undefined, dataDir }));
    try {
      expect(embedded.kind).toBe('pglite');
      expect((await stat(join(dataDir, 'PG_VERSION'))).isFile()).toBe(true);
      await embedded.query('create extension if not exists pg_trgm');
      const similar = await embedded.query<{ similar: boolean; count: string }>(
        "select similarity('lectern', 'lecterns') > 0.5 as similar, count(*) as count from generate_series(1, 3)",
      );
      // count(*) is int8, a string as node-postgres returns it.
      expect(similar.rows).toEqual([{ similar: true, count: '3' }]);
    } finally {
      await embedded.close();
      await embedded.close();
    }
  });

  it('refuses a read replica without a PostgreSQL primary', async () => {
    await expect(
      openDatabase(options({ url: undefined, readUrl: 'postgres://root@127.0.0.1:5432/test' })),
    ).rejects.toThrow('DATABASE_READ_URL is set without DATABASE_URL');
  });
});
