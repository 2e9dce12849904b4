// A fixed amount of work, timed: `count` requests over `connections` workers, each with one request in flight.
// For scenarios where every request is different (S7, S8) and wrk's random picks do not fit.

export interface FixedWork {
  name: string;
  requests: number;
  errors: number;
  /** Failed requests by status ('network' when there was no answer). */
  failures: Record<string, number>;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

/** Runs request(0…count-1); a request answers its status, and one other than `expected` counts as an error. */
export async function runFixedWork(
  name: string,
  count: number,
  connections: number,
  request: (index: number) => Promise<number>,
  expected: number,
): Promise<FixedWork> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  let errors = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let index = next++; index < count; index = next++) {
        const started = performance.now();
        const status = await request(index).catch(() => 'network');
        latencies.push(performance.now() - started);
        if (status !== expected) {
          errors += 1;
          failures[String(status)] = (failures[String(status)] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: count,
    errors,
    failures,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(count / seconds),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(1)),
  };
}
