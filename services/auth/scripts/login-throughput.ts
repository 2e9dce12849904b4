/**
 * How fast can this machine check passwords, and what does the service make of it?
 *
 *   npx tsx --conditions=lectern-source services/auth/scripts/login-throughput.ts
 *
 * Measures in one run: raw argon2id verifications per second with the service's parameters (as many at once as
 * libuv has threads), logins per second through the service (buildApp + inject, many distinct users, attempt
 * limits out of the way), and a flood of simultaneous logins against the hashing cap (how many get 503).
 * Uses DATABASE_URL / REDIS_URL when set, an embedded database otherwise. Settings come from the environment
 * like the service's (PASSWORD_HASH_*, UV_THREADPOOL_SIZE, ...).
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@lectern/kit';
import argon2 from 'argon2';
import { hashConcurrency, hashParameters } from '../src/accounts.js';
import { buildApp } from '../src/app.js';
import { authConfigSchema } from '../src/config.js';

const SECONDS = Number(process.argv[2] ?? 5);
const USERS = 64;
const FLOOD = 300;
const password = 'correct horse battery staple';

const config = parseConfig(authConfigSchema, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'lectern-throughput-')),
  LOG_LEVEL: 'silent',
  ...process.env,
  AUTH_RATE_LIMIT_MAX: '1000000',
  RATE_LIMIT_MAX: '1000000',
});
const parameters = hashParameters(config);
const threads = config.UV_THREADPOOL_SIZE;
const cap = hashConcurrency(config);

/** Runs `task` from `workers` loops for `seconds`; answers completions per second and latencies. */
async function closedLoop(workers: number, seconds: number, task: () => Promise<boolean>) {
  const latencies: number[] = [];
  let failures = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        const begun = performance.now();
        if (await task()) latencies.push(performance.now() - begun);
        else failures += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(0);
  return { perSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), failures };
}

function row(label: string, value: string) {
  console.log(`${label.padEnd(52)} ${value}`);
}

console.log(
  `argon2id m=${parameters.memoryCost} KiB t=${parameters.timeCost} p=${parameters.parallelism}; ` +
    `${cpus().length} CPUs, UV_THREADPOOL_SIZE=${threads}, hash cap ${cap} running + ${config.PASSWORD_HASH_QUEUE_MAX} waiting; ` +
    `load average ${loadavg()[0]?.toFixed(1)}; ${config.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${config.REDIS_URL ? 'Redis' : 'in-process limits'}`,
);

const digest = await argon2.hash(password, { type: argon2.argon2id, ...parameters });
const single = await closedLoop(1, Math.min(2, SECONDS), () => argon2.verify(digest, password));
row('raw argon2id verify, 1 at a time', `${single.perSecond.toFixed(1)}/s (p50 ${single.p50} ms)`);
const raw = await closedLoop(threads, SECONDS, () => argon2.verify(digest, password));
row(
  `raw argon2id verify, ${threads} at a time (threadpool size)`,
  `${raw.perSecond.toFixed(1)}/s (p50 ${raw.p50} ms, p99 ${raw.p99} ms)`,
);

const app = await buildApp(config, { logger: false });
await app.ready();
const stamp = Date.now().toString(36);
const emails = Array.from({ length: USERS }, (_, index) => `throughput-${stamp}-${index}@example.com`);
let requests = 0;
const nextAddress = () => {
  requests += 1;
  return `10.${(requests >> 16) & 255}.${(requests >> 8) & 255}.${requests & 255}`;
};
const inject = (url: string, email: string) =>
  app.inject({ method: 'POST', url, payload: { email, password }, remoteAddress: nextAddress() });

for (let first = 0; first < emails.length; first += cap) {
  const answers = await Promise.all(
    emails.slice(first, first + cap).map((email) => inject('/api/auth/register', email)),
  );
  const failed = answers.find((answer) => answer.statusCode !== 201);
  if (failed) throw new Error(`register answered ${failed.statusCode}: ${failed.body}`);
}

let turn = 0;
const nextEmail = () => emails[turn++ % emails.length] ?? '';
for (const workers of [cap, cap * 4]) {
  const logins = await closedLoop(workers, SECONDS, async () => {
    const answer = await inject('/api/auth/login', nextEmail());
    if (answer.statusCode !== 200 && answer.statusCode !== 503) {
      throw new Error(`login answered ${answer.statusCode}: ${answer.body}`);
    }
    return answer.statusCode === 200;
  });
  row(
    `logins through the service, ${workers} clients`,
    `${logins.perSecond.toFixed(1)}/s (p50 ${logins.p50} ms, p99 ${logins.p99} ms, ${logins.failures} × 503)`,
  );
}

const timings = { wrong: [] as number[], unknown: [] as number[] };
for (let round = 0; round < 20; round += 1) {
  for (const kind of ['wrong', 'unknown'] as const) {
    const email = kind === 'wrong' ? nextEmail() : `nobody-${stamp}-${round}@example.com`;
    const begun = performance.now();
    const answer = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: 'not the password' },
      remoteAddress: nextAddress(),
    });
    if (answer.statusCode !== 401) throw new Error(`login answered ${answer.statusCode}: ${answer.body}`);
    timings[kind].push(performance.now() - begun);
  }
}
const median = (values: number[]) => (values.sort((a, b) => a - b)[values.length >> 1] ?? 0).toFixed(1);
row(
  '401 timing, wrong password vs unknown email (median)',
  `${median(timings.wrong)} ms vs ${median(timings.unknown)} ms`,
);

const floodStarted = performance.now();
const flood = await Promise.all(Array.from({ length: FLOOD }, () => inject('/api/auth/login', nextEmail())));
const floodSeconds = (performance.now() - floodStarted) / 1000;
const count = (status: number) => flood.filter((answer) => answer.statusCode === status).length;
const unavailable = new Map<string, number>();
for (const answer of flood.filter((each) => each.statusCode === 503)) {
  const key = `${answer.json<{ code: string }>().code}, Retry-After ${String(answer.headers['retry-after'])}`;
  unavailable.set(key, (unavailable.get(key) ?? 0) + 1);
}
row(
  `flood: ${FLOOD} logins at once`,
  `${count(200)} × 200, ${count(503)} × 503 (${[...unavailable].map(([key, n]) => `${n} ${key}`).join('; ')}), ` +
    `${FLOOD - count(200) - count(503)} other, all answered in ${floodSeconds.toFixed(2)} s`,
);

await app.close();
