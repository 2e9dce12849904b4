import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from './database.js';

interface Migration {
  tag: string;
  hash: string;
  statements: string[];
}

interface JournalEntry {
  idx: number;
  tag: string;
}

/** Every Lectern process takes the same lock, so services migrating the shared bookkeeping table never race. */
const migrationLockKey = createHash('sha256')
  .update('lectern-migrations')
  .digest()
  .readBigInt64BE(0)
  .toString();

const statementBreakpoint = '--> statement-breakpoint';

/**
 * Applies the drizzle-kit migrations in `folder` that `service` has not applied yet, in journal order, in one
 * transaction holding an advisory lock: replicas starting together apply each migration exactly once (the
 * later ones wait, then find it applied). Returns the tags applied by this call.
 */
export async function runMigrations(
  database: Database,
  options: { service: string; folder: string },
): Promise<{ applied: string[] }> {
  const { service, folder } = options;
  const migrations = await readMigrations(folder);

  return database.db.transaction(async (tx) => {
    // statement_timeout would cancel a long index build, or the wait for another replica's lock.
    await tx.execute(sql`set local statement_timeout = 0`);
    await tx.execute(sql`select pg_advisory_xact_lock(${migrationLockKey}::bigint)`);
    await tx.execute(sql`
      create table if not exists public.lectern_migrations (
        service text not null,
        tag text not null,
        hash text not null,
        applied_at timestamptz not null default now(),
        primary key (service, tag)
      )`);
    const appliedRows = await tx.execute(
      sql`select tag, hash from public.lectern_migrations where service = ${service}`,
    );
    const appliedHashes = new Map(bookkeepingRows(appliedRows).map((row) => [row.tag, row.hash]));

    for (const migration of migrations) {
      const appliedHash = appliedHashes.get(migration.tag);
      if (appliedHash !== undefined && appliedHash !== migration.hash) {
        throw new Error(
          `Migration ${service}/${migration.tag} in ${folder} changed after it was applied ` +
            `(applied sha256 ${appliedHash}, file sha256 ${migration.hash}). ` +
            'Released migrations are never edited: restore the file and add a new migration instead.',
        );
      }
    }

    const applied: string[] = [];
    for (const migration of migrations) {
      if (appliedHashes.has(migration.tag)) continue;
      try {
        for (const statement of migration.statements) await tx.execute(sql.raw(statement));
      } catch (error) {
        throw new Error(`Migration ${service}/${migration.tag} failed: ${messageOf(error)}`, {
          cause: error,
        });
      }
      await tx.execute(sql`
        insert into public.lectern_migrations (service, tag, hash)
        values (${service}, ${migration.tag}, ${migration.hash})`);
      applied.push(migration.tag);
    }
    return { applied };
  });
}

async function readMigrations(folder: string): Promise<Migration[]> {
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal: unknown = JSON.parse(await readFile(journalPath, 'utf8'));
  if (!isJournal(journal)) {
    throw new Error(`${journalPath} is not a drizzle-kit journal: expected {"entries": [{"idx", "tag", …}]}`);
  }
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    entries.map(async ({ tag }) => {
      // Hash with LF line ends, so a checkout that converts them does not look like an edited migration.
      const text = (await readFile(join(folder, `${tag}.sql`), 'utf8')).replace(/\r\n/g, '\n');
      const statements = text
        .split(statementBreakpoint)
        .map((statement) => statement.trim())
        .filter((statement) => statement.length > 0);
      return { tag, hash: createHash('sha256').update(text).digest('hex'), statements };
    }),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isJournalEntry(value: unknown): value is JournalEntry {
  // The tag names a file in the folder, so it must not reach outside it.
  return (
    isRecord(value) &&
    typeof value.idx === 'number' &&
    typeof value.tag === 'string' &&
    /^[\w-]+$/.test(value.tag)
  );
}

function isJournal(value: unknown): value is { entries: JournalEntry[] } {
  return isRecord(value) && Array.isArray(value.entries) && value.entries.every(isJournalEntry);
}

/** node-postgres and PGlite both answer `execute` with `{ rows }`; drizzle's common type leaves it unknown. */
function bookkeepingRows(result: unknown): { tag: string; hash: string }[] {
  const rows = isRecord(result) && Array.isArray(result.rows) ? (result.rows as unknown[]) : [];
  return rows.map((row) => {
    if (isRecord(row) && typeof row.tag === 'string' && typeof row.hash === 'string') {
      return { tag: row.tag, hash: row.hash };
    }
    throw new Error('public.lectern_migrations returned a row without text tag and hash');
  });
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // drizzle wraps the driver's error in "Failed query: …"; the driver's message says what went wrong.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
