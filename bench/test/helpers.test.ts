import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeCursor } from '../../services/courses/src/page-cursor.js';
import { costRatios, encodeCursor, type CostSide } from '../cost-growth.js';
import { percentileOf } from '../reference/argon2-verify.js';
import { createTokenMinter, unverifiedClaims } from '../lib/access-tokens.js';
import { commandLine, parseBenchArgs, redactUrl, runsOpeningRush, timestampName } from '../lib/cli.js';
import { summarizeProfile, type CpuProfile } from '../lib/cpu-profile.js';
import { coprimeStride, instructorCount, validateSizes, defaultSizes } from '../lib/dataset.js';
import { addCosts, planCost } from '../lib/explain.js';
import {
  cpuShares,
  descendsFrom,
  parseProcStat,
  parseSystemStat,
  type ProcStat,
} from '../lib/process-cpu.js';

describe('access tokens', () => {
  it('when minted, then jose verifies them against a JWKS whose kid is the RFC 7638 thumbprint', async () => {
    const minter = createTokenMinter({ issuer: 'lectern-auth', audience: 'lectern' });
    const publicJwk = await exportJWK(createPublicKey(minter.privateKeyPem));
    expect(minter.kid).toBe(await calculateJwkThumbprint(publicJwk));
    const token = minter.mint({ id: 42, email: 'a@seed.lectern.test', role: 'student' });
    const keys = createLocalJWKSet({ keys: [{ ...publicJwk, kid: minter.kid, alg: 'EdDSA', use: 'sig' }] });
    const { payload, protectedHeader } = await jwtVerify(token, keys, {
      issuer: 'lectern-auth',
      audience: 'lectern',
      algorithms: ['EdDSA'],
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    });
    expect(protectedHeader.kid).toBe(minter.kid);
    expect(payload).toMatchObject({ sub: '42', email: 'a@seed.lectern.test', role: 'student' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(4 * 3600);
    expect(unverifiedClaims(token).sub).toBe('42');
  });

  it('when a token is signed by another key, then verification fails', async () => {
    const ours = createTokenMinter({ issuer: 'i', audience: 'a' });
    const theirs = createTokenMinter({ issuer: 'i', audience: 'a' });
    const publicJwk = await exportJWK(createPublicKey(ours.privateKeyPem));
    const keys = createLocalJWKSet({ keys: [{ ...publicJwk, kid: theirs.kid }] });
    await expect(jwtVerify(theirs.mint({ id: 1, email: 'x@y.zz', role: 'student' }), keys)).rejects.toThrow();
  });
});

describe('cost growth', () => {
  it('when the bench builds a deep-page cursor, then the courses service decodes it to the same id', () => {
    for (const id of [1, 9_999, 123_456_789]) expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it('when a grown case costs more, then each ratio is grown over baseline (throughput inverted)', () => {
    const side = (
      requestsPerSecond: number,
      rowsExamined: number,
      sharedBuffers: number,
      executionMs: number,
    ) =>
      ({
        load: { requestsPerSecond },
        plan: { rowsExamined, sharedBuffers, executionMs, scans: [] },
      }) as unknown as CostSide;
    expect(costRatios(side(1000, 51, 8, 0.1), side(800, 51, 12, 0.3))).toEqual({
      throughput: 1.25,
      rowsExamined: 1,
      sharedBuffers: 1.5,
      executionTime: expect.closeTo(3, 5) as number,
    });
    expect(costRatios(side(1, 0, 0, 0), side(1, 5, 5, 5)).rowsExamined).toBeNaN();
  });

  it('when EXPLAIN returns a plan tree, then scans, rows touched and the top buffers are summed', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Limit',
          'Shared Hit Blocks': 30,
          'Shared Read Blocks': 4,
          'Actual Rows': 50,
          Plans: [
            {
              'Node Type': 'Nested Loop',
              'Actual Rows': 50,
              Plans: [
                {
                  'Node Type': 'Index Only Scan',
                  'Index Name': 'progress_pkey',
                  'Actual Rows': 1,
                  'Actual Loops': 50,
                },
                {
                  'Node Type': 'Seq Scan',
                  'Relation Name': 'course_progress',
                  'Actual Rows': 10,
                  'Rows Removed by Filter': 990,
                },
              ],
            },
          ],
        },
        'Execution Time': 0.42,
      },
    ];
    const cost = planCost(plan);
    expect(cost).toEqual({
      rowsExamined: 50 + 1000,
      sharedBuffers: 34,
      executionMs: 0.42,
      scans: ['Index Only Scan on progress_pkey', 'Seq Scan on course_progress'],
    });
    expect(addCosts([cost, cost]).rowsExamined).toBe(2100);
    expect(() => planCost([{}])).toThrow(/EXPLAIN/);
  });
});

describe('process CPU', () => {
  it('when a command name has spaces and parentheses, then the fields after it are still found', () => {
    const line = '4242 (node (worker) x) S 17 4242 4242 0 -1 4194560 1 0 0 0 150 25 7 3 20 0 11 0 1234 0 0';
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      comm: 'node (worker) x',
      ppid: 17,
      ticks: 175,
      reapedTicks: 10,
    });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('when /proc/stat is read, then busy time excludes idle and iowait', () => {
    expect(parseSystemStat('cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 2 3')).toEqual({ busy: 160, total: 1000 });
  });

  it('when two snapshots are compared, then each group gets its share of one core and the rest is "other"', () => {
    const stat = (
      pid: number,
      comm: string,
      ppid: number,
      ticks: number,
      reapedTicks = 0,
    ): [number, ProcStat] => [pid, { pid, comm, ppid, ticks, reapedTicks }];
    const before = {
      at: 0,
      processes: new Map([
        stat(10, 'nginx', 1, 100),
        stat(11, 'nginx', 10, 50),
        stat(20, 'postgres', 1, 0),
        stat(99, 'node', 1, 0, 5),
      ]),
      system: { busy: 1000, total: 4000 },
    };
    const after = {
      at: 2000,
      processes: new Map([
        stat(10, 'nginx', 1, 110),
        stat(11, 'nginx', 10, 250),
        stat(12, 'nginx', 10, 40),
        stat(20, 'postgres', 1, 60),
        stat(99, 'node', 1, 0, 45),
      ]),
      system: { busy: 1500, total: 4400 },
    };
    const shares = cpuShares(
      before,
      after,
      (process, all) =>
        descendsFrom(process.pid, 10, all) ? 'nginx' : process.comm === 'postgres' ? 'postgres' : null,
      100,
      { pid: 99, group: 'wrk' },
    );
    // 2 s at 100 ticks/s: 200 ticks = one full core.
    expect(shares).toEqual({ nginx: 125, postgres: 30, wrk: 20, other: 75, machine: 250 });
  });
});

describe('CPU profiles', () => {
  it('when summarized, then self time, inclusive time and packages are shares of all samples', () => {
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3] },
        { id: 2, callFrame: frame('(idle)') },
        { id: 3, callFrame: frame('handler', 'file:///x/node_modules/fastify/lib/route.js'), children: [4] },
        { id: 4, callFrame: frame('parseDirectives', 'file:///x/node_modules/helmet/index.cjs') },
      ],
      samples: [2, 2, 3, 4, 4, 4, 2, 4],
      timeDeltas: [],
      startTime: 0,
      endTime: 8,
    };
    const summary = summarizeProfile(profile, 10);
    expect(summary.busy).toBe(62.5);
    expect(summary.self[0]).toEqual({ name: 'parseDirectives helmet/index.cjs:1', percent: 50 });
    expect(summary.inclusive.find((line) => line.name.startsWith('handler'))?.percent).toBe(62.5);
    expect(summary.packages.find((line) => line.name === 'helmet')?.percent).toBe(50);
    expect(summary.packages.find((line) => line.name === 'fastify')?.percent).toBe(62.5);
  });
});

describe('seed sizes', () => {
  it('when sizes cannot be honoured, then every problem is named', () => {
    expect(validateSizes(defaultSizes)).toEqual([]);
    expect(validateSizes({ ...defaultSizes, courses: 10, lessons: 5, users: 1 })).toEqual([
      '--lessons must be at least --courses (one per course)',
      '--users must be at least 2 (an instructor and a student)',
    ]);
  });

  it('when picking a stride, then it never shares a factor with the course count, so no course repeats', () => {
    for (const modulus of [1, 7, 7_919, 98_000, 7_919 * 104_729]) {
      const stride = coprimeStride(modulus);
      const seen = new Set<number>();
      const steps = Math.min(modulus, 50_000);
      for (let slot = 0; slot < steps; slot += 1) seen.add((slot * stride) % modulus);
      expect(seen.size).toBe(steps);
    }
    expect(instructorCount(20_000)).toBe(200);
    expect(instructorCount(50)).toBe(1);
  });
});

describe('command line', () => {
  it('when no flags are given, then the full run uses 50 connections, 2 threads, 5 s warm-up and 30 s', () => {
    const settings = parseBenchArgs([]);
    expect(settings).toMatchObject({
      connections: 50,
      threads: 2,
      warmupSeconds: 5,
      durationSeconds: 30,
      quick: false,
    });
    expect(parseBenchArgs(['--quick'])).toMatchObject({ warmupSeconds: 2, durationSeconds: 5 });
    expect(parseBenchArgs(['--only', 's1,R1'])).toMatchObject({ only: ['S1', 'R1'] });
    expect(() => parseBenchArgs(['--only', 'S9'])).toThrow(/unknown measurement S9/);
  });

  it('when --only names rows, then S7 runs only if it is one of them', () => {
    const settingsOf = (args: string[]) => {
      const settings = parseBenchArgs(args);
      if (settings === 'help') throw new Error('unexpected help');
      return settings;
    };
    expect(runsOpeningRush(settingsOf([]))).toBe(true);
    expect(runsOpeningRush(settingsOf(['--only', 'S1,R1']))).toBe(false);
    expect(runsOpeningRush(settingsOf(['--only', 's7,R3']))).toBe(true);
    expect(runsOpeningRush(settingsOf(['--cost-growth-only']))).toBe(false);
  });

  it('when recording the command, then credentials are redacted and npm’s form is kept', () => {
    expect(redactUrl('postgres://bench:s3cret@db:5432/x')).toBe('postgres://bench:***@db:5432/x');
    expect(redactUrl('postgres://root@127.0.0.1:5432/x')).toBe('postgres://root@127.0.0.1:5432/x');
    expect(
      commandLine('bench/run.ts', ['--quick', '--note', "it's noisy"], {
        npm_lifecycle_event: 'bench',
        DATABASE_URL: 'postgres://u:p@h/d',
        REDIS_URL: 'redis://h:6379/5',
      }),
    ).toBe(
      "DATABASE_URL=postgres://u:***@h/d REDIS_URL=redis://h:6379/5 npm run bench -- --quick --note 'it'\\''s noisy'",
    );
    expect(timestampName(new Date('2026-11-27T01:02:03.456Z'))).toBe('2026-11-27T01-02-03Z');
  });

  it('when percentiles are taken, then the nearest rank is used', () => {
    const sorted = Array.from({ length: 100 }, (_unused, index) => index + 1);
    expect(percentileOf(sorted, 50)).toBe(50);
    expect(percentileOf(sorted, 99)).toBe(99);
    expect(percentileOf([], 50)).toBeNaN();
  });
});
