import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { pgDump } from '@electric-sql/pglite-tools/pg_dump';
import { openPglite } from '@lectern/kit';
import pg from 'pg';

/** A table in a user schema and how many rows it holds. */
export interface TableCount {
  table: string;
  rows: number;
}

const dumpHeader = '-- PostgreSQL database dump';

/**
 * Tables (and partitioned tables) outside PostgreSQL's own schemas, whichever service created them: a schema
 * added later is carried without anyone listing it here.
 */
export const userTablesSql = `
  select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p')
    and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
  order by 1`;

/** Relations a restore would collide with: tables, sequences, views, outside PostgreSQL's own schemas. */
const userRelationsSql = `
  select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name, c.relkind as kind
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'S', 'v', 'm', 'f')
    and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
  order by 1`;

/** Schemas a restore re-creates: every one but PostgreSQL's own and `public`, which exists in a new database. */
const userSchemasSql = `
  select quote_ident(nspname) as name from pg_namespace
  where nspname not in ('pg_catalog', 'information_schema', 'public')
    and nspname not like 'pg\\_toast%' and nspname not like 'pg\\_temp%'
  order by 1`;

type Query = (text: string) => Promise<{ rows: Record<string, unknown>[] }>;

/** Every user table with its row count, through whichever engine `query` talks to. */
export async function countRows(query: Query): Promise<TableCount[]> {
  const { rows } = await query(userTablesSql);
  const counts: TableCount[] = [];
  for (const row of rows) {
    const table = String(row.name);
    const counted = await query(`select count(*) as rows from ${table}`);
    counts.push({ table, rows: Number(counted.rows[0]?.rows ?? 0) });
  }
  return counts;
}

export class TransferError extends Error {}

/**
 * Dumps the embedded database in `pgliteDir` to `file` as plain SQL with PGlite's own pg_dump (compiled to
 * WebAssembly): every schema, table, sequence position and index, without owners or grants, so that any role
 * on the server can restore it. The platform must be stopped: PGlite is one process's database.
 */
export async function exportEmbedded(pgliteDir: string, file: string): Promise<TableCount[]> {
  if (!existsSync(pgliteDir)) {
    throw new TransferError(
      `no embedded database in ${pgliteDir}: is DATA_DIR the folder \`npm start\` used?`,
    );
  }
  const pglite = await openPglite(pgliteDir);
  try {
    const dump = await pgDump({
      // The tools are built against an older PGlite release; the protocol calls pg_dump makes are unchanged.
      pg: pglite as unknown as Parameters<typeof pgDump>[0]['pg'],
      args: ['--no-owner', '--no-privileges'],
    });
    await writeFile(file, await dump.text(), { mode: 0o600 });
    return await countRows(pgliteQuery(pglite));
  } finally {
    await pglite.close();
  }
}

function pgliteQuery(pglite: Awaited<ReturnType<typeof openPglite>>): Query {
  return async (text) => ({ rows: (await pglite.query<Record<string, unknown>>(text)).rows });
}

/**
 * pg_dump writes `SET` lines for every setting its own version knows (PGlite's is PostgreSQL 18): those an older
 * server does not know are dropped, and the psql-only `\restrict` guards newer pg_dump releases write.
 */
export function adaptDump(dump: string, knownSettings: ReadonlySet<string>): string {
  return dump
    .split('\n')
    .filter((line) => {
      if (line.startsWith('\\restrict') || line.startsWith('\\unrestrict')) return false;
      if (line.startsWith('\\')) {
        throw new TransferError(
          `the dump holds the psql command "${line.split(' ')[0]}": expected plain SQL`,
        );
      }
      const setting = /^SET ([a-z_]+) = /.exec(line)?.[1];
      return setting === undefined || knownSettings.has(setting);
    })
    .join('\n');
}

export interface ImportOptions {
  /** Drop every user schema and table of the target first; without it a non-empty database is refused. */
  replace: boolean;
}

/**
 * Restores a plain SQL dump into the PostgreSQL database at `url` in one transaction: nothing is left half
 * restored. Refuses a database that already holds tables unless `replace` is set, then drops them first.
 */
export async function importDump(url: string, file: string, options: ImportOptions): Promise<TableCount[]> {
  const dump = await readFile(file, 'utf8');
  if (!dump.includes(dumpHeader)) {
    throw new TransferError(`${file} is not a plain SQL dump from pg_dump (no "${dumpHeader}" line)`);
  }
  const client = new pg.Client({ connectionString: url, application_name: 'lectern-db-import' });
  await client.connect();
  const query: Query = async (text) => client.query<Record<string, unknown>>(text);
  try {
    const existing = (await query(userRelationsSql)).rows.map((row) => String(row.name));
    if (existing.length > 0 && !options.replace) {
      throw new TransferError(
        `the target database is not empty (${existing.length} relations: ${existing.slice(0, 5).join(', ')}` +
          `${existing.length > 5 ? ', …' : ''}): import into an empty database, or pass --replace to drop them`,
      );
    }
    const settings = await query('select name from pg_settings');
    const script = adaptDump(dump, new Set(settings.rows.map((row) => String(row.name))));
    await client.query('begin');
    try {
      if (existing.length > 0) await dropUserObjects(query);
      // One simple-protocol call runs the whole script, statement after statement, in this transaction.
      await client.query(script);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
    await client.query('reset all');
    return await countRows(query);
  } finally {
    await client.end();
  }
}

const dropKeyword: Record<string, string> = {
  r: 'table',
  p: 'table',
  S: 'sequence',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
};

async function dropUserObjects(query: Query): Promise<void> {
  for (const row of (await query(userSchemasSql)).rows)
    await query(`drop schema ${String(row.name)} cascade`);
  // What is left lives in public; a table's drop takes its own sequences with it, hence `if exists`.
  for (const row of (await query(userRelationsSql)).rows) {
    await query(`drop ${dropKeyword[String(row.kind)] ?? 'table'} if exists ${String(row.name)} cascade`);
  }
}
