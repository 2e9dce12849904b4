// The scenarios (S*) and the references they are compared with (R*): which server, which requests. A reference
// gets the same request bytes as its scenario (same tokens and paths), so the load generator's own cost is the
// same on both sides.
import type { MeasurementId } from './results.js';
import { catalogPath, type Fixtures } from './stack.js';
import type { RequestPlan } from './wrk.js';

export type Target = 'cluster' | 'r1' | 'r2' | 'r2n' | 'r3' | 'argon2';

/** `browser`: every request carries what a browser sends (the default); `identity`: the bare requests of old. */
export type RequestStyle = 'browser' | 'identity';

/** What Chromium sends with a fetch() from the web app, minus cookies: compression, Accept, a real User-Agent. */
export const browserHeaders: Readonly<Record<string, string>> = Object.freeze({
  Accept: 'application/json, text/plain, */*',
  'Accept-Encoding': 'gzip, deflate, br',
  'Accept-Language': 'en-US,en;q=0.9',
  'User-Agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
});

/** A plan as `style` sends it: browser headers added, the plan's own (Content-Type) kept. */
export function styled(plan: RequestPlan, style: RequestStyle): RequestPlan {
  if (style === 'identity') return plan;
  return { ...plan, headers: { ...browserHeaders, ...plan.headers } };
}

export interface MeasurementPlan {
  id: MeasurementId;
  title: string;
  kind: 'scenario' | 'reference';
  target: Target;
  /** Absent for R4, which runs in-process. */
  plan?: RequestPlan;
  /**
   * Sent once per path before the warm-up (tokens in turn), so the caches hold every id the run picks from and
   * the measurement is the steady state, not first-touch misses.
   */
  prime?: RequestPlan;
  /** How this one is read: shown in the README and the result file. */
  description: string;
}

const json = { 'Content-Type': 'application/json' };

export function measurementPlans(fixtures: Fixtures, style: RequestStyle = 'browser'): MeasurementPlan[] {
  return basePlans(fixtures).map((measurement) => {
    const { plan, prime } = measurement;
    return {
      ...measurement,
      ...(plan ? { plan: styled(plan, style) } : {}),
      ...(prime ? { prime: styled(prime, style) } : {}),
    };
  });
}

function basePlans(fixtures: Fixtures): MeasurementPlan[] {
  const tokens = fixtures.studentTokens;
  const catalog: RequestPlan = { method: 'GET', paths: [catalogPath] };
  const complete: RequestPlan = {
    method: 'POST',
    paths: fixtures.lessonIds.map((id) => `/api/progress/${id}/complete`),
    tokens,
  };
  return [
    {
      id: 'R1',
      title: 'nginx static file (S1 body, precompressed)',
      kind: 'reference',
      target: 'r1',
      plan: catalog,
      description:
        'a second nginx, same template and worker settings, serving the S1 body from a file, and its .gz (made once) to clients that accept gzip (gzip_static; nginx-light has no brotli module)',
    },
    {
      id: 'S1',
      title: 'anonymous catalog page (nginx cache)',
      kind: 'scenario',
      target: 'cluster',
      plan: catalog,
      description: `GET ${catalogPath} without a token: answered by nginx's proxy_cache (1 s validity, revalidated with ETag)`,
    },
    {
      id: 'R2',
      title: 'Fastify + Redis GET (S1 body, precompressed)',
      kind: 'reference',
      target: 'r2',
      plan: { ...catalog, tokens },
      description:
        "a bare Fastify process: GET from Redis per request of the S1 body's prebuilt bytes in the coding the client accepts (br, gzip or identity, compressed once as the kit's cache does), sent as is",
    },
    {
      id: 'R2n',
      title: 'R2 behind nginx',
      kind: 'reference',
      target: 'r2n',
      plan: { ...catalog, tokens },
      description:
        "R2 behind a third nginx rendered from the same template, R2 as its courses upstream: the proxy hop S2 pays (a token bypasses the cache), and nothing of Lectern's",
    },
    {
      id: 'S2',
      title: 'authenticated catalog page (app L1/L2)',
      kind: 'scenario',
      target: 'cluster',
      plan: { ...catalog, tokens },
      description: `GET ${catalogPath} with a student token (${tokens.length} students rotating): bypasses nginx's cache; courses replica, token check, rate limit (Redis), L1/L2 cache`,
    },
    {
      id: 'S3',
      title: 'course detail with lessons',
      kind: 'scenario',
      target: 'cluster',
      plan: { method: 'GET', paths: fixtures.courseIds.map((id) => `/api/courses/${id}`), tokens },
      prime: { method: 'GET', paths: fixtures.courseIds.map((id) => `/api/courses/${id}`), tokens },
      description: `GET /api/courses/:id over ${fixtures.courseIds.length} published courses, with a student token (app path, L1/L2 cache)`,
    },
    {
      id: 'R3',
      title: 'Fastify + one-row pg upsert',
      kind: 'reference',
      target: 'r3',
      plan: complete,
      description:
        'a bare Fastify process: one single-row insert … on conflict do nothing per request (node-postgres, pool 20) into bench.progress_ref',
    },
    {
      id: 'S4',
      title: 'lesson completion (write path)',
      kind: 'scenario',
      target: 'cluster',
      plan: complete,
      prime: complete,
      description: `POST /api/progress/:lesson_id/complete: ${tokens.length} students × ${fixtures.lessonIds.length} lessons picked at random per request (group commit in the service)`,
    },
    {
      id: 'S5',
      title: 'my progress',
      kind: 'scenario',
      target: 'cluster',
      plan: { method: 'GET', paths: ['/api/progress/my?limit=50'], tokens },
      description: `GET /api/progress/my?limit=50 for ${tokens.length} students rotating (PostgreSQL per request: page + total)`,
    },
    {
      id: 'R4',
      title: 'raw argon2id verify (in-process)',
      kind: 'reference',
      target: 'argon2',
      description: "argon2.verify with the service's parameters, as many at once as libuv has threads",
    },
    {
      id: 'S6',
      title: 'login (many distinct users)',
      kind: 'scenario',
      target: 'cluster',
      plan: { method: 'POST', paths: ['/api/auth/login'], bodies: fixtures.loginBodies, headers: json },
      description: `POST /api/auth/login for ${fixtures.loginBodies.length} distinct students (argon2id verify + refresh token row + JWT)`,
    },
  ];
}
