// One request sent the way the load generator will send it, before a row is measured: does it work, and how big
// is its answer on the wire.
import { request as httpRequest } from 'node:http';
import type { RequestPlan } from './wrk.js';

export interface Probe {
  status: number;
  headerBytes: number;
  bodyBytes: number;
  headers: Record<string, string>;
  contentEncoding?: string;
}

/**
 * One request as the load generator will send it (its first variant), to check it works and size the answer as
 * it travels: node:http, since fetch would add its own Accept-Encoding and count decompressed bytes.
 */
export function probe(url: string, plan: RequestPlan): Promise<Probe> {
  const headers: Record<string, string> = { ...plan.headers };
  const token = plan.tokens?.[0];
  if (token) headers.authorization = `Bearer ${token}`;
  const body = plan.bodies?.[0];
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      new URL(plan.paths[0] ?? '/', url),
      { method: plan.method, headers, timeout: 10_000 },
      (response) => {
        let bodyBytes = 0;
        response.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
        response.on('end', () => {
          const received: Record<string, string> = {};
          let headerBytes =
            `HTTP/1.1 ${response.statusCode ?? 0} ${response.statusMessage ?? ''}\r\n`.length + 2;
          for (let index = 0; index < response.rawHeaders.length; index += 2) {
            const name = response.rawHeaders[index] ?? '';
            const value = response.rawHeaders[index + 1] ?? '';
            headerBytes += name.length + value.length + 4;
            received[name.toLowerCase()] = value;
          }
          resolve({ status: response.statusCode ?? 0, headerBytes, bodyBytes, headers: received });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`probe of ${url} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}
