// HTTP helpers for tests that drive a real cluster (scripts/cluster.ts) through nginx. Every request goes to
// 127.0.0.1 only and carries a timeout, so a hung replica fails a request instead of the whole test run.

import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  /** When the request was sent and when its answer had been read, in Date.now() milliseconds. */
  sentAt: number;
  receivedAt: number;
}

export interface HttpOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

function assertLoopback(url: string): void {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`tests only talk to 127.0.0.1, not ${url}`);
}

/** One request; throws on a network error or timeout (the caller decides whether that is a failure). */
export async function http(baseUrl: string, path: string, options: HttpOptions = {}): Promise<HttpResult> {
  const url = `${baseUrl}${path}`;
  assertLoopback(url);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const sentAt = Date.now();
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body, sentAt, receivedAt: Date.now() };
}

/** Like http(), but any status other than `expected` is an error naming the request and the answer. */
export async function expectStatus(
  baseUrl: string,
  path: string,
  expected: number,
  options: HttpOptions = {},
): Promise<HttpResult> {
  const result = await http(baseUrl, path, options);
  if (result.status !== expected) {
    throw new Error(
      `${options.method ?? 'GET'} ${path}: expected ${expected}, got ${result.status}: ${result.text.slice(0, 300)}`,
    );
  }
  return result;
}

export function field(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null) throw new Error(`expected an object with ${name}`);
  return (value as Record<string, unknown>)[name];
}

export function numberField(value: unknown, name: string): number {
  const found = field(value, name);
  if (typeof found !== 'number')
    throw new Error(`expected a number in ${name}, got ${JSON.stringify(found)}`);
  return found;
}

export function stringField(value: unknown, name: string): string {
  const found = field(value, name);
  if (typeof found !== 'string')
    throw new Error(`expected a string in ${name}, got ${JSON.stringify(found)}`);
  return found;
}

export function arrayBody(result: HttpResult): unknown[] {
  if (!Array.isArray(result.body)) throw new Error(`expected a JSON array, got ${result.text.slice(0, 200)}`);
  return result.body as unknown[];
}

export async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const result = await expectStatus(baseUrl, '/api/auth/login', 200, {
    method: 'POST',
    body: { email, password },
    timeoutMs: 15_000,
  });
  return stringField(result.body, 'access_token');
}

/** Registers a student and logs in: the student's access token. */
export async function newStudent(baseUrl: string, email: string, password: string): Promise<string> {
  await expectStatus(baseUrl, '/api/auth/register', 201, {
    method: 'POST',
    body: { email, password },
    timeoutMs: 15_000,
  });
  return login(baseUrl, email, password);
}

/**
 * The sum of a counter's samples whose labels include `labels`, read from one replica's own /metrics
 * (nginx answers /metrics with 404, so this goes to the replica's port).
 */
export async function scrapeCounter(
  port: number,
  metric: string,
  labels: Record<string, string>,
): Promise<number> {
  const result = await expectStatus(`http://127.0.0.1:${port}`, '/metrics', 200);
  let total = 0;
  for (const line of result.text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? ([0-9.eE+-]+)$/.exec(line);
    if (match?.[1] !== metric) continue;
    const found = new Map<string, string>();
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      found.set(pair[1] ?? '', pair[2] ?? '');
    }
    if (Object.entries(labels).every(([name, value]) => found.get(name) === value)) {
      total += Number(match[3]);
    }
  }
  return total;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Polls until `check` is true, at most `timeoutMs`; false when it never was. */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function randomIpv4(): string {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return `${octet()}.${octet()}.${octet()}.${octet()}`;
}

export interface RawResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as they came over the wire, never decompressed. */
  bytes: Buffer;
  /** The size of the status line and header block, as the client received them. */
  headerBytes: number;
}

/**
 * One GET as curl sends it: only the headers given (fetch would add its own Accept-Encoding and decompress),
 * the body kept as it arrived.
 */
export function rawGet(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResult> {
  const url = new URL(path, baseUrl);
  assertLoopback(url.href);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'GET', headers, timeout: 5000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const statusLine = `HTTP/1.1 ${response.statusCode ?? 0} ${response.statusMessage ?? ''}\r\n`;
        const lines = [];
        for (let index = 0; index < response.rawHeaders.length; index += 2) {
          lines.push(`${response.rawHeaders[index] ?? ''}: ${response.rawHeaders[index + 1] ?? ''}\r\n`);
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          bytes: Buffer.concat(chunks),
          headerBytes: Buffer.byteLength(statusLine + lines.join('') + '\r\n'),
        });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url.href} timed out`)));
    request.on('error', reject);
    request.end();
  });
}
