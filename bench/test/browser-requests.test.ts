import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../lib/cli.js';
import { browserHeaders, measurementPlans } from '../lib/scenarios.js';
import type { Fixtures } from '../lib/stack.js';
import { luaScript } from '../lib/wrk.js';
import { referenceCoding } from '../reference/coding.js';
import { staticFileLocation } from '../reference/static-nginx.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const user = { id: 1, email: 'a@example.com', role: 'student' as const };
const fixtures: Fixtures = {
  studentTokens: ['token-1', 'token-2'],
  loginBodies: ['{"email":"a@example.com","password":"x"}'],
  courseIds: [1, 2],
  lessonIds: [10, 11],
  light: { user, token: 'token-1', completions: 10 },
  heavy: { user, token: 'token-2', completions: 10_000 },
};

describe('browser-like requests', () => {
  it("when no flag is given, then every scenario and reference sends a browser's headers, the plan's own kept", () => {
    const plans = measurementPlans(fixtures);
    for (const plan of plans.filter((candidate) => candidate.plan)) {
      expect(plan.plan?.headers, plan.id).toMatchObject(browserHeaders);
      if (plan.prime) expect(plan.prime.headers, plan.id).toMatchObject(browserHeaders);
    }
    expect(browserHeaders['Accept-Encoding']).toBe('gzip, deflate, br');
    expect(browserHeaders['User-Agent']).toMatch(/^Mozilla\/5\.0 .+ Chrome\/\d+/);
    const login = plans.find((plan) => plan.id === 'S6');
    expect(login?.plan?.headers?.['Content-Type']).toBe('application/json');
  });

  it('when --identity is given, then no request carries a browser header', () => {
    expect(parseBenchArgs([])).toMatchObject({ requests: 'browser' });
    const settings = parseBenchArgs(['--identity']);
    expect(settings).toMatchObject({ requests: 'identity' });
    for (const plan of measurementPlans(fixtures, 'identity')) {
      expect(Object.keys(plan.plan?.headers ?? {}).map((name) => name.toLowerCase())).not.toContain(
        'accept-encoding',
      );
    }
  });

  it('when R2n is named, then it is a reference that asks exactly what R2 and S2 ask', () => {
    expect(parseBenchArgs(['--only', 'r2n,S2'])).toMatchObject({ only: ['R2n', 'S2'] });
    const plans = measurementPlans(fixtures);
    const byId = (id: string) => plans.find((plan) => plan.id === id);
    expect(byId('R2n')).toMatchObject({ kind: 'reference', target: 'r2n' });
    expect(byId('R2n')?.plan).toEqual(byId('S2')?.plan);
    expect(byId('R2')?.plan).toEqual(byId('S2')?.plan);
  });

  it('when wrk runs a browser-like plan, then every header goes into its script', () => {
    const plan = measurementPlans(fixtures).find((candidate) => candidate.id === 'S2')?.plan;
    const script = luaScript(plan ?? { method: 'GET', paths: ['/'] });
    expect(script).toContain('headers["Accept-Encoding"] = "gzip, deflate, br"');
    expect(script).toContain('headers["User-Agent"] = "Mozilla/5.0');
  });
});

describe("the references' coding", () => {
  it('when R2 reads Accept-Encoding, then brotli is named first, gzip next, identity otherwise', () => {
    expect(referenceCoding('gzip, deflate, br')).toBe('br');
    expect(referenceCoding('gzip')).toBe('gzip');
    expect(referenceCoding('deflate')).toBe('identity');
    expect(referenceCoding(undefined)).toBe('identity');
    expect(referenceCoding('brotli-ish, gzipx')).toBe('identity');
  });

  it('when R1 serves the page, then the .gz beside it is the body compressed and gzip_static is on', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'bench-r1-'));
    try {
      const body = JSON.stringify([{ id: 1, title: 'x'.repeat(2000) }]);
      const location = staticFileLocation({ runDir, path: '/api/courses', body });
      expect(location).toContain('location = /api/courses {');
      expect(location).toContain('gzip_static on;');
      const gz = readFileSync(join(runDir, 'static-body.json.gz'));
      expect(gunzipSync(gz).toString('utf8')).toBe(body);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
