// Outages are visible: a lost and regained PostgreSQL or Redis is one warn line each way and the gauge
// dependency_up{dependency}, checked against a private redis-server and a throwaway PostgreSQL database.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { baseConfigSchema } from '../src/config/config.js';
import { DependencyMonitor } from '../src/health/index.js';
import { openInfrastructure, type Infrastructure } from '../src/infrastructure/index.js';
import { registry } from '../src/metrics/index.js';
import { openDatabase } from '../src/postgres/index.js';
import { testConfig } from '../src/testing/index.js';
import { freePort, startRedisServer, stop, until } from './fixtures/processes.js';

const databaseUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;

interface Line {
  event: string;
  dependency: string;
  reason?: string;
  down_for_ms?: number;
}

function recorder() {
  const lines: Line[] = [];
  return {
    lines,
    logger: { warn: (object: Record<string, unknown>) => lines.push(object as unknown as Line) },
    events: (dependency: string) =>
      lines.filter((line) => line.dependency === dependency).map((line) => line.event),
  };
}

async function gauge(dependency: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric('dependency_up')?.get();
  return metric?.values.find((value) => value.labels.dependency === dependency)?.value;
}

describe('DependencyMonitor', () => {
  it('logs one line per change, none for a normal start, and a down state reached before the logger', async () => {
    const monitor = new DependencyMonitor();
    const log = recorder();
    monitor.report('unit-early', false, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    monitor.attachLogger(log.logger);
    expect(log.lines).toEqual([
      { event: 'dependency_lost', dependency: 'unit-early', reason: 'ECONNREFUSED: refused' },
    ]);

    monitor.report('unit', true);
    for (let failure = 0; failure < 50; failure += 1) monitor.report('unit', false, new Error('gone'));
    expect(await gauge('unit')).toBe(0);
    monitor.report('unit', true);
    monitor.report('unit', true);
    expect(log.events('unit')).toEqual(['dependency_lost', 'dependency_restored']);
    expect(typeof log.lines.at(-1)?.down_for_ms).toBe('number');
    expect(await gauge('unit')).toBe(1);
    expect(monitor.isUp('unit')).toBe(true);
  });
});

describe('openInfrastructure watching its connections', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it.runIf(!!redisUrl && !!databaseUrl)(
    'reports Redis stopped and started again, once each way',
    async () => {
      const port = await freePort();
      let server: ChildProcess | undefined = await startRedisServer(port);
      cleanups.push(() => stop(server));
      const infrastructure: Infrastructure = await openInfrastructure(
        testConfig(baseConfigSchema, {
          DATABASE_URL: databaseUrl,
          REDIS_URL: `redis://127.0.0.1:${port}`,
          LOG_LEVEL: 'warn',
        }),
        'monitor-test',
      );
      cleanups.push(() => infrastructure.close());
      const log = recorder();
      const monitor = infrastructure.dependencies ?? new DependencyMonitor();
      monitor.attachLogger(log.logger);
      await until(() => monitor.isUp('redis') === true, 5_000, 'Redis to be reported up');

      await stop(server);
      await until(() => monitor.isUp('redis') === false, 5_000, 'Redis to be reported down');
      expect(await gauge('redis')).toBe(0);
      // The client keeps reconnecting meanwhile; that is not news.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      server = await startRedisServer(port);
      await until(() => monitor.isUp('redis') === true, 10_000, 'Redis to be reported up again');
      expect(log.events('redis')).toEqual(['dependency_lost', 'dependency_restored']);
      expect(await gauge('redis')).toBe(1);
    },
  );

  it.runIf(!!databaseUrl)(
    'reports PostgreSQL refusing connections and accepting them again, once each way',
    async () => {
      const admin = await openDatabase({
        url: databaseUrl,
        dataDir: 'memory://',
        poolSize: 1,
        maxOverflow: 0,
        connectionTimeoutMs: 3000,
        idleTimeoutMs: 30_000,
        statementTimeoutMs: 10_000,
      });
      const name = `lectern_monitor_${randomBytes(4).toString('hex')}`;
      await admin.query(`create database ${name}`);
      cleanups.push(async () => {
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.close();
      });
      const url = new URL(databaseUrl ?? '');
      url.pathname = `/${name}`;
      const infrastructure = await openInfrastructure(
        testConfig(baseConfigSchema, { DATABASE_URL: url.toString(), REDIS_URL: undefined }),
        'monitor-test',
      );
      cleanups.push(() => infrastructure.close());
      const log = recorder();
      const monitor = infrastructure.dependencies ?? new DependencyMonitor();
      monitor.attachLogger(log.logger);
      await infrastructure.database.ping();
      expect(monitor.isUp('postgres')).toBe(true);

      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        await infrastructure.database.ping().catch(() => undefined);
      }
      expect(monitor.isUp('postgres')).toBe(false);
      expect(await gauge('postgres')).toBe(0);

      await admin.query(`alter database ${name} allow_connections true`);
      await until(
        () =>
          infrastructure.database.ping().then(
            () => true,
            () => false,
          ),
        5_000,
        'PostgreSQL to accept connections',
      );
      expect(monitor.isUp('postgres')).toBe(true);
      expect(log.events('postgres')).toEqual(['dependency_lost', 'dependency_restored']);
      // Lost when the open connection was ended (57P01); the refused reconnects (55000) change nothing.
      expect(log.lines.find((line) => line.event === 'dependency_lost')?.reason).toMatch(/^(57P01|55000)/);
    },
  );
});
