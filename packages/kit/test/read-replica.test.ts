import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../src/metrics/metrics.js';
import {
  freshness,
  openDatabase,
  parseLsn,
  RecentWrites,
  type Database,
  type DatabaseOptions,
  type ReplicaStatus,
} from '../src/postgres/index.js';
import { postgresBinaries, startStreamingCluster, type StreamingCluster } from '../src/testing/index.js';

async function queriesOn(pool: 'primary' | 'replica'): Promise<number> {
  const { values } = (await registry.getSingleMetric('db_queries_total')?.get()) ?? { values: [] };
  return values
    .filter((sample) => sample.labels.pool === pool)
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Counts queries per pool around `run`: which pool answered it. */
async function poolsUsedBy<T>(
  run: () => Promise<T>,
): Promise<{ result: T; primary: number; replica: number }> {
  const [primaryBefore, replicaBefore] = [await queriesOn('primary'), await queriesOn('replica')];
  const result = await run();
  return {
    result,
    primary: (await queriesOn('primary')) - primaryBefore,
    replica: (await queriesOn('replica')) - replicaBefore,
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const notesCount = 'select count(*)::int as notes from replica_notes';
const lagTolerant = { mayLag: true } as const;

it('reads an LSN as a byte position', () => {
  expect(parseLsn('0/10')).toBe(16n);
  expect(parseLsn('1/0')).toBe(4294967296n);
  expect(() => parseLsn('nonsense')).toThrow('not an LSN');
});

describe.runIf(postgresBinaries())('reads routed to a real streaming replica', () => {
  let cluster: StreamingCluster;
  const opened: Database[] = [];

  async function open(overrides: Partial<DatabaseOptions> = {}): Promise<Database> {
    const database = await openDatabase({
      url: cluster.primaryUrl,
      readUrl: cluster.replicaUrl,
      dataDir: 'memory://',
      poolSize: 1,
      maxOverflow: 2,
      connectionTimeoutMs: 2000,
      idleTimeoutMs: 10_000,
      statementTimeoutMs: 5000,
      replicaCheckMs: 100,
      replicaMaxLagMs: 60_000,
      ...overrides,
    });
    opened.push(database);
    return database;
  }

  async function notes(database: Database, read?: Parameters<Database['query']>[2]): Promise<number> {
    const { rows } = await database.query<{ notes: number }>(notesCount, [], read);
    return rows[0]?.notes ?? -1;
  }

  beforeAll(async () => {
    cluster = await startStreamingCluster();
    const setup = await open();
    await setup.query('create table replica_notes (id serial primary key, body text)');
    await setup.query("insert into replica_notes (body) values ('before the pause')");
    await cluster.caughtUp();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(opened.map((database) => database.close()));
    await cluster.close();
  });

  it('when replay is paused, then reads that may lag see the replica and the others the primary', async () => {
    const database = await open();
    await until(() => database.replicaStatus()?.usable === true, 'the replica to be measured');
    await cluster.pauseReplay();
    try {
      await database.query("insert into replica_notes (body) values ('while paused')");

      const fresh = await poolsUsedBy(() => notes(database));
      expect(fresh).toMatchObject({ result: 2, replica: 0 });
      const lagging = await poolsUsedBy(() => notes(database, lagTolerant));
      expect(lagging.result).toBe(1);
      expect(lagging.replica).toBeGreaterThan(0);
      await until(() => (database.replicaStatus()?.lagMs ?? 0) > 0, 'the lag to show');
    } finally {
      await cluster.resumeReplay();
    }
    await cluster.caughtUp();
    expect(await notes(database, lagTolerant)).toBe(2);
  });

  it("when a user has just written, then that user's reads go to the primary and others' to the replica", async () => {
    const recentWrites = new RecentWrites(null, 'replica-test', 60_000);
    const database = await open({ recentWrites });
    await until(() => database.replicaStatus()?.usable === true, 'the replica to be measured');
    await cluster.pauseReplay();
    try {
      await database.query("insert into replica_notes (body) values ('written by user 7')");
      await database.markWritten([freshness.user(7)]);

      const writer = await poolsUsedBy(() =>
        notes(database, { mayLag: true, freshFor: [freshness.user(7)] }),
      );
      expect(writer).toMatchObject({ result: 3, replica: 0 });
      const someoneElse = await poolsUsedBy(() =>
        notes(database, { mayLag: true, freshFor: [freshness.user(8)] }),
      );
      expect(someoneElse.result).toBe(2);
      expect(someoneElse.replica).toBeGreaterThan(0);
    } finally {
      await cluster.resumeReplay();
    }
    await cluster.caughtUp();
  });

  it('when the replica falls further behind than allowed, then it is skipped, said once, and used again after', async () => {
    const database = await open({ replicaMaxLagMs: 300 });
    const changes: ReplicaStatus[] = [];
    database.watchReplica((status) => changes.push(status));
    await until(() => database.replicaStatus()?.usable === true, 'the replica to be measured');
    await cluster.pauseReplay();
    try {
      await database.query("insert into replica_notes (body) values ('far behind')");
      await until(() => database.replicaStatus()?.usable === false, 'the replica to be skipped');
      const skipped = await poolsUsedBy(() => notes(database, lagTolerant));
      expect(skipped).toMatchObject({ result: 4, replica: 0 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(changes.filter((status) => !status.usable)).toHaveLength(1);
      expect(changes.at(-1)?.reason).toMatch(/^behind by \d+ ms/);
      const lag = await registry.getSingleMetric('db_replica_lag_seconds')?.get();
      expect(lag?.values[0]?.value).toBeGreaterThan(0.3);
    } finally {
      await cluster.resumeReplay();
    }
    await until(() => database.replicaStatus()?.usable === true, 'the replica to be used again');
    expect(changes.at(-1)?.usable).toBe(true);
    expect(await notes(database, lagTolerant)).toBe(4);
  });

  it('when the replica is down, then the primary answers and the replica is reported unreachable', async () => {
    const database = await open();
    const changes: ReplicaStatus[] = [];
    database.watchReplica((status) => changes.push(status));
    await until(() => database.replicaStatus()?.usable === true, 'the replica to be measured');
    await cluster.stopReplica();

    const answered = await poolsUsedBy(() => notes(database, lagTolerant));
    expect(answered.result).toBe(4);
    await until(() => database.replicaStatus()?.usable === false, 'the replica to be skipped');
    expect(database.replicaStatus()?.reason).toMatch(/^unreachable/);
    expect(changes.filter((status) => !status.usable)).toHaveLength(1);
    expect((await poolsUsedBy(() => notes(database, lagTolerant))).replica).toBe(0);
  });
});
