// Touches every path of a plan once (tokens and bodies in turn) with a few requests in flight, before a warm-up.
import type { RequestPlan } from './wrk.js';

export async function prime(
  url: string,
  plan: RequestPlan,
  concurrency = 16,
): Promise<{ requests: number; failures: number }> {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    for (let index = next++; index < plan.paths.length; index = next++) {
      const headers: Record<string, string> = { ...plan.headers };
      const token = plan.tokens?.[index % plan.tokens.length];
      if (token) headers.authorization = `Bearer ${token}`;
      const body = plan.bodies?.[index % plan.bodies.length];
      try {
        const response = await fetch(`${url}${plan.paths[index] ?? '/'}`, {
          method: plan.method,
          headers,
          ...(body === undefined ? {} : { body }),
        });
        await response.arrayBuffer();
        if (!response.ok) failures += 1;
      } catch {
        failures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests: plan.paths.length, failures };
}
