// The fallback load generator when wrk is not installed: autocannon in this process, same plans (random
// rotation per request), no pipelining. It is slower than wrk, so numbers from the two are not comparable.
import autocannon from 'autocannon';
import type { LoadResult } from './results.js';
import type { LoadOptions } from './wrk.js';

function pick<T>(items: readonly T[] | undefined): T | undefined {
  return items && items.length > 0 ? items[Math.floor(Math.random() * items.length)] : undefined;
}

export async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const { plan } = options;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    pipelining: 1,
    timeout: options.timeoutSeconds,
    requests: [
      {
        method: plan.method,
        setupRequest: (request) => {
          const headers: Record<string, string> = { ...plan.headers };
          const token = pick(plan.tokens);
          if (token !== undefined) headers.authorization = `Bearer ${token}`;
          const body = pick(plan.bodies);
          return {
            ...request,
            method: plan.method,
            path: pick(plan.paths) ?? '/',
            headers,
            ...(body === undefined ? {} : { body }),
          };
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    durationSeconds: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    bytesPerSecond: result.throughput.total / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p75: result.latency.p75,
      p90: result.latency.p90,
      p99: result.latency.p99,
      mean: result.latency.average,
      max: result.latency.max,
    },
    errors: { connect: result.errors - result.timeouts, read: 0, write: 0, timeout: result.timeouts },
    non2xx: result.non2xx,
  };
}
