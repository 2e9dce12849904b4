import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresSandbox, postgresBinaries, testConfig, unique } from '@lectern/kit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../src/app.js';
import { platformConfigSchema } from '../src/config.js';
import { seedDemoData } from '../src/demo-data.js';
import { countRows } from '../src/db-transfer.js';
import { databaseSnapshot, type Query } from './support/database-snapshot.js';

const serverUrl = process.env.DATABASE_URL;

function databaseUrl(name: string): string {
  const url = new URL(serverUrl ?? 'postgres://localhost/none');
  url.pathname = `/${name}`;
  return url.href;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  expect(result.status, `${command} ${args.join(' ')}: ${result.stderr}`).toBe(0);
}

async function withClient<T>(url: string, work: (query: Query) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work((text) => client.query(text));
  } finally {
    await client.end();
  }
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** docs/operations.md, "Nightly dump and its restore", step by step with the same commands. */
describe.runIf(serverUrl)('a dump of a seeded database restores into a fresh one', () => {
  const source = unique('lectern_backup_').toLowerCase();
  const restored = unique('lectern_restored_').toLowerCase();
  const admin = new pg.Client({ connectionString: serverUrl });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create database ${source}`);
    const config = testConfig(platformConfigSchema, {
      DATABASE_URL: databaseUrl(source),
      REDIS_URL: undefined,
      WEB_ROOT: mkdtempSync(join(tmpdir(), 'lectern-web-')),
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_TIME_COST: '1',
    });
    const { app, infrastructure } = await buildPlatform(config, { logger: false });
    try {
      await app.ready();
      expect(await seedDemoData(app, infrastructure.database, config)).toBe(true);
    } finally {
      await app.close();
    }
  }, 120_000);

  afterAll(async () => {
    for (const name of [source, restored]) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('when pg_dump -Fc is restored with pg_restore, then every table, sampled row and sequence matches', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lectern-backup-')), 'lectern.dump');
    run('pg_dump', ['-d', databaseUrl(source), '-Fc', '-f', file]);
    await admin.query(`create database ${restored}`);
    run('pg_restore', ['-d', databaseUrl(restored), '--no-owner', '--exit-on-error', file]);

    const [before, after] = await Promise.all(
      [source, restored].map((name) =>
        withClient(databaseUrl(name), async (query) => ({
          counts: await countRows(query),
          snapshot: await databaseSnapshot(query),
        })),
      ),
    );
    expect(before?.counts.length).toBeGreaterThan(5);
    expect(before?.counts.filter((table) => table.rows > 0).length).toBeGreaterThan(3);
    expect(after).toEqual(before);
  }, 120_000);
});

/** docs/operations.md, "Point-in-time recovery", with the stack's archive_command on a throwaway server. */
describe.runIf(postgresBinaries())('WAL archiving and point-in-time recovery', () => {
  const sandbox = postgresBinaries() ? createPostgresSandbox() : undefined;

  afterAll(async () => {
    await sandbox?.close();
  });

  it('when a base backup is replayed to a time, then the rows written before it are back and the mistake after it is not', async () => {
    if (!sandbox) return;
    const archive = sandbox.folder('wal-archive');
    const dataDir = join(sandbox.root, 'primary');
    sandbox.exec('initdb', ['-D', dataDir, '-U', 'lectern', '--auth=trust']);
    const primary = await sandbox.start(dataDir, [
      'archive_mode=on',
      `archive_command=test ! -f ${archive}/%f && cp %p ${archive}/%f`,
    ]);
    await withClient(primary.url(), async (query) => {
      await query('create table grades (id serial primary key, note text)');
      await query("insert into grades (note) values ('before the base backup')");
    });

    const base = join(sandbox.root, 'base');
    sandbox.exec('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'lectern'],
      ...['-D', base, '-X', 'stream', '--checkpoint=fast'],
    ]);

    const target = await withClient(primary.url(), async (query) => {
      await query("insert into grades (note) values ('after the base backup')");
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const { rows } = await query('select now()::text as now');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await query('delete from grades');
      const { rows: switched } = await query('select pg_walfile_name(pg_switch_wal()) as segment');
      const segment = String(switched[0]?.segment);
      await until(async () => {
        const archived = await query('select last_archived_wal from pg_stat_archiver');
        const last = archived.rows[0]?.last_archived_wal;
        return typeof last === 'string' && last >= segment;
      }, 'the last segment to be archived');
      return String(rows[0]?.now);
    });
    await primary.stop();

    writeFileSync(join(base, 'recovery.signal'), '');
    appendFileSync(
      join(base, 'postgresql.auto.conf'),
      [
        `restore_command = 'cp ${archive}/%f %p'`,
        `recovery_target_time = '${target}'`,
        "recovery_target_action = 'promote'",
        '',
      ].join('\n'),
    );
    const recovered = await sandbox.start(base);
    await withClient(recovered.url(), async (query) => {
      await until(async () => {
        const { rows } = await query('select pg_is_in_recovery() as recovering');
        return rows[0]?.recovering === false;
      }, 'recovery to finish');
      const { rows } = await query('select note from grades order by id');
      expect(rows.map((row) => row.note)).toEqual(['before the base backup', 'after the base backup']);
    });
  }, 120_000);
});
