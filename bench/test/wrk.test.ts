import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  luaScript,
  luaString,
  parseWrkDuration,
  parseWrkOutput,
  parseWrkText,
  startWrk,
} from '../lib/wrk.js';

const textOutput = `Running 5s test @ http://127.0.0.1:18400/api/courses?limit=20
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.31ms    3.02ms  58.40ms   91.21%
    Req/Sec    11.52k     1.20k   14.01k    71.00%
  Latency Distribution
     50%    1.52ms
     75%    2.44ms
     90%    4.10ms
     99%   16.80ms
  114641 requests in 5.01s, 1.12GB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:  22882.24
Transfer/sec:    228.31MB
`;

describe('wrk output', () => {
  it('when durations carry wrk units, then they are read as milliseconds', () => {
    expect(parseWrkDuration('812.00us')).toBeCloseTo(0.812);
    expect(parseWrkDuration('1.52ms')).toBeCloseTo(1.52);
    expect(parseWrkDuration('2.01s')).toBeCloseTo(2010);
    expect(parseWrkDuration('1.50m')).toBeCloseTo(90_000);
    expect(() => parseWrkDuration('fast')).toThrow(/not a wrk duration/);
  });

  it('when wrk prints its text report, then totals, percentiles and failures are read from it', () => {
    const result = parseWrkText(textOutput);
    expect(result.requests).toBe(114_641);
    expect(result.durationSeconds).toBeCloseTo(5.01);
    expect(result.requestsPerSecond).toBeCloseTo(114_641 / 5.01);
    expect(result.bytesPerSecond).toBeCloseTo((1.12 * 1024 ** 3) / 5.01);
    expect(result.latencyMs).toMatchObject({
      p50: 1.52,
      p75: 2.44,
      p90: 4.1,
      p99: 16.8,
      mean: 2.31,
      max: 58.4,
    });
    expect(result.errors).toEqual({ connect: 0, read: 3, write: 0, timeout: 7 });
    expect(result.non2xx).toBe(12);
  });

  it('when a run had no failures, then wrk omits those lines and the counts are zero', () => {
    const clean = textOutput
      .split('\n')
      .filter((line) => !line.includes('Socket errors') && !line.includes('Non-2xx'))
      .join('\n');
    const result = parseWrkText(clean);
    expect(result.errors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0 });
    expect(result.non2xx).toBe(0);
  });

  it('when the done hook printed its JSON line, then it wins over the text report', () => {
    const json =
      'BENCH_JSON {"requests":1000,"duration_us":2000000,"bytes":4096,"connect":1,"read":2,"write":3,"status":4,' +
      '"timeout":5,"p50_us":1500,"p75_us":2000,"p90_us":2500,"p99_us":9000,"mean_us":1600.5,"max_us":12000}';
    const result = parseWrkOutput(`${textOutput}${json}\n`);
    expect(result.requests).toBe(1000);
    expect(result.requestsPerSecond).toBe(500);
    expect(result.latencyMs.p99).toBe(9);
    expect(result.errors).toEqual({ connect: 1, read: 2, write: 3, timeout: 5 });
    expect(result.non2xx).toBe(4);
  });

  it('when wrk printed nothing useful, then parsing says so', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/no totals/);
  });
});

describe('Lua scripts', () => {
  it('when a string has quotes, backslashes, newlines or non-ASCII, then the literal escapes them byte by byte', () => {
    expect(luaString('plain /api?x=1')).toBe('"plain /api?x=1"');
    expect(luaString('{"a":"b\\\\c"}')).toBe('"{\\"a\\":\\"b\\\\\\\\c\\"}"');
    expect(luaString('a\nb')).toBe('"a\\10b"');
    expect(luaString('é')).toBe('"\\195\\169"');
  });

  it('when nothing rotates, then the script keeps wrk’s static request and only adds the done hook', () => {
    const script = luaScript({ method: 'GET', paths: ['/api/courses?limit=20'] });
    expect(script).toContain('wrk.path = "/api/courses?limit=20"');
    expect(script).toContain('function done(');
    expect(script).not.toContain('function request(');
  });

  it('when tokens or bodies rotate, then the script builds each request in Lua', () => {
    const script = luaScript({ method: 'POST', paths: ['/a', '/b'], tokens: ['t1', 't2'], bodies: ['{}'] });
    expect(script).toContain('function request()');
    expect(script).toContain('local tokens = {');
    expect(script).toContain('"t2",');
  });
});

const haveWrk = spawnSync('sh', ['-c', 'command -v wrk']).status === 0;

describe.skipIf(!haveWrk)('wrk against a local server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lectern-wrk-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when a plan rotates paths, tokens and bodies, then the server sees every variant and wrk reports the run', async () => {
    const seen = {
      paths: new Set<string>(),
      tokens: new Set<string>(),
      bodies: new Set<string>(),
      methods: new Set<string>(),
    };
    let answered = 0;
    const server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.paths.add(request.url ?? '');
        seen.tokens.add(request.headers.authorization ?? '');
        seen.bodies.add(body);
        seen.methods.add(request.method ?? '');
        answered += 1;
        response.writeHead(answered % 10 === 0 ? 503 : 200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const running = startWrk(
        {
          url: `http://127.0.0.1:${port}`,
          plan: {
            method: 'POST',
            paths: ['/one', '/two'],
            tokens: ['alpha', 'beta'],
            bodies: ['{"n":1}', '{"n":2}'],
          },
          connections: 4,
          threads: 1,
          durationSeconds: 1,
          timeoutSeconds: 2,
        },
        dir,
        'rotation',
      );
      const result = await running.result;
      expect([...seen.paths].sort()).toEqual(['/one', '/two']);
      expect([...seen.tokens].sort()).toEqual(['Bearer alpha', 'Bearer beta']);
      expect([...seen.bodies].sort()).toEqual(['{"n":1}', '{"n":2}']);
      expect([...seen.methods]).toEqual(['POST']);
      expect(result.requests).toBeGreaterThan(20);
      expect(result.requests).toBeLessThanOrEqual(answered);
      // Every tenth answer was a 503: wrk counts them as non-2xx.
      expect(result.non2xx).toBeGreaterThan(0);
      expect(result.non2xx).toBeLessThan(result.requests / 5);
      expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
