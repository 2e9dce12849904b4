// R4: raw argon2id verifications per second with the auth service's parameters, in this process, as many at
// once as libuv has threads (argon2 runs there): the ceiling for logins per second on this machine.
import argon2 from 'argon2';
import type { PasswordHashParameters } from '../lib/dataset.js';
import type { LoadResult } from '../lib/results.js';

export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const size = Number(env.UV_THREADPOOL_SIZE ?? 4);
  return Number.isInteger(size) && size > 0 ? size : 4;
}

export function percentileOf(sorted: readonly number[], percent: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

export async function measureArgon2(
  parameters: PasswordHashParameters,
  concurrency: number,
  seconds: number,
): Promise<LoadResult> {
  const password = 'correct horse battery staple';
  const digest = await argon2.hash(password, { type: argon2.argon2id, ...parameters });
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const begun = performance.now();
        if (await argon2.verify(digest, password)) latencies.push(performance.now() - begun);
        else failures += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length);
  return {
    requests: latencies.length,
    durationSeconds: elapsed,
    requestsPerSecond: latencies.length / elapsed,
    latencyMs: {
      p50: percentileOf(latencies, 50),
      p75: percentileOf(latencies, 75),
      p90: percentileOf(latencies, 90),
      p99: percentileOf(latencies, 99),
      mean,
      max: latencies.at(-1) ?? NaN,
    },
    errors: { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: failures,
  };
}
