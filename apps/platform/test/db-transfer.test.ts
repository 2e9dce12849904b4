import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedKeyFile } from '@lectern/auth';
import { openPglite, type HttpApp } from '@lectern/kit';
import { testConfig, unique } from '@lectern/kit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../src/app.js';
import { platformConfigSchema } from '../src/config.js';
import { seedDemoData } from '../src/demo-data.js';
import { adaptDump, countRows } from '../src/db-transfer.js';
import { databaseSnapshot, type Query } from './support/database-snapshot.js';

const serverUrl = process.env.DATABASE_URL;

function run(entry: string, args: string[], env: Record<string, string>): { status: number; output: string } {
  const result = spawnSync(process.execPath, [`apps/platform/dist/${entry}.js`, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
  });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function fakeWebRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'lectern-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Lectern</title>');
  return root;
}

const fastHashing = { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_TIME_COST: '1', DEMO_DATA: 'false' };

async function signIn(app: HttpApp, email: string, password: string): Promise<string> {
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  expect(login.statusCode).toBe(200);
  return login.json<{ access_token: string }>().access_token;
}

describe.runIf(serverUrl)('moving an embedded database to PostgreSQL (db:export, db:import)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lectern-embedded-'));
  const dumpFile = join(mkdtempSync(join(tmpdir(), 'lectern-dump-')), 'lectern.sql');
  const targetName = unique('lectern_import_').toLowerCase();
  const targetUrl = new URL(serverUrl ?? 'postgres://localhost/none');
  targetUrl.pathname = `/${targetName}`;
  const email = `${unique('mover')}@example.com`;
  const password = 'set-before-the-move-1';
  let completedLessonId = 0;
  let tokenBeforeMove = '';
  let embeddedSnapshot: Record<string, unknown> = {};
  const admin = new pg.Client({ connectionString: serverUrl });

  beforeAll(async () => {
    spawnSync(process.execPath, ['scripts/build.mjs', '--backend'], { stdio: 'inherit' });
    const config = testConfig(platformConfigSchema, {
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      DATA_DIR: dataDir,
      WEB_ROOT: fakeWebRoot(),
      ...fastHashing,
      DEMO_DATA: 'true',
    });
    const { app, infrastructure } = await buildPlatform(config, { logger: false });
    try {
      await app.ready();
      expect(await seedDemoData(app, infrastructure.database, config)).toBe(true);
      const registered = await app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email, password },
      });
      expect(registered.statusCode).toBe(201);
      tokenBeforeMove = await signIn(app, email, password);
      const catalog = await app.inject({ method: 'GET', url: '/api/courses?limit=1' });
      const [course] = catalog.json<{ id: number }[]>();
      const lessons = await app.inject({ method: 'GET', url: `/api/courses/${course?.id}/lessons` });
      completedLessonId = lessons.json<{ id: number }[]>()[0]?.id ?? 0;
      const completed = await app.inject({
        method: 'POST',
        url: `/api/progress/${completedLessonId}/complete`,
        headers: { authorization: `Bearer ${tokenBeforeMove}` },
      });
      expect(completed.statusCode).toBeLessThan(300);
    } finally {
      await app.close();
    }
    await admin.connect();
    await admin.query(`create database ${targetName}`);
  }, 300_000);

  afterAll(async () => {
    await admin.query(`drop database if exists ${targetName} with (force)`);
    await admin.end();
  });

  it('when exported and imported, then every table, row sample and sequence arrives', async () => {
    const exported = run('db-export', [dumpFile], { DATA_DIR: dataDir });
    expect(exported.output).toContain('exported');
    expect(exported.status).toBe(0);
    expect(exported.output).toContain(generatedKeyFile(dataDir));

    const pglite = await openPglite(join(dataDir, 'pglite'));
    const embeddedCounts = await countRows((text) => pglite.query(text));
    embeddedSnapshot = await databaseSnapshot((text) => pglite.query(text));
    await pglite.close();
    const schemas = new Set(embeddedCounts.map((count) => count.table.split('.')[0]));
    expect([...schemas]).toEqual(expect.arrayContaining(['auth', 'courses', 'progress', 'public']));
    // The tables the data made here fills (others, such as certificates or attempts, may be empty).
    const filled = new Map(embeddedCounts.map((count) => [count.table, count.rows]));
    for (const table of ['auth.users', 'courses.courses', 'courses.lessons', 'progress.progress']) {
      expect(filled.get(table), table).toBeGreaterThan(0);
    }

    const imported = run('db-import', [dumpFile], { DATABASE_URL: targetUrl.href });
    expect(imported.output).toContain('imported');
    expect(imported.status).toBe(0);

    const target = new pg.Client({ connectionString: targetUrl.href });
    await target.connect();
    try {
      const query: Query = (text) => target.query(text);
      expect(await countRows(query)).toEqual(embeddedCounts);
      expect(await databaseSnapshot(query)).toEqual(embeddedSnapshot);
    } finally {
      await target.end();
    }
  }, 300_000);

  it('when the target already holds tables, then import refuses unless --replace', () => {
    const refused = run('db-import', [dumpFile], { DATABASE_URL: targetUrl.href });
    expect(refused.status).toBe(1);
    expect(refused.output).toContain('the target database is not empty');
    expect(refused.output).toContain('--replace');

    const replaced = run('db-import', [dumpFile, '--replace'], { DATABASE_URL: targetUrl.href });
    expect(replaced.output).toContain('imported');
    expect(replaced.status).toBe(0);
  }, 120_000);

  it('when the platform starts on the imported database, then the password, token and completion work', async () => {
    const config = testConfig(platformConfigSchema, {
      DATABASE_URL: targetUrl.href,
      REDIS_URL: undefined,
      WEB_ROOT: fakeWebRoot(),
      JWT_PRIVATE_KEY_FILE: generatedKeyFile(dataDir),
      ...fastHashing,
    });
    const { app } = await buildPlatform(config, { logger: false });
    try {
      await app.ready();
      const before = await app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { authorization: `Bearer ${tokenBeforeMove}` },
      });
      expect(before.statusCode).toBe(200);

      const token = await signIn(app, email, password);
      const mine = await app.inject({
        method: 'GET',
        url: '/api/progress/my',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(mine.json<{ lesson_id: number }[]>().map((item) => item.lesson_id)).toEqual([completedLessonId]);

      const newcomer = await app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: `${unique('after')}@example.com`, password: 'registered-after-1' },
      });
      expect(newcomer.statusCode).toBe(201);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('when a dump sets what the server does not know, then only those lines are dropped', () => {
    const dump = readFileSync(dumpFile, 'utf8');
    expect(dump).toContain('SET transaction_timeout = 0;');
    const adapted = adaptDump(dump, new Set(['statement_timeout']));
    expect(adapted).not.toContain('SET transaction_timeout');
    expect(adapted).toContain('SET statement_timeout = 0;');
    expect(adapted.split('\n').length).toBe(
      dump.split('\n').length - (dump.match(/^SET /gm)?.length ?? 0) + 1,
    );
  });
});
