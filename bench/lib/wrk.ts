// wrk (Debian's 4.1, LuaJIT): one Lua script per request plan, rotating through paths, tokens and bodies at
// random per request; a `done` hook prints the summary as one JSON line, and the usual text output is parsed
// when the line is missing. No pipelining: one request in flight per connection.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './results.js';

export interface RequestPlan {
  method: 'GET' | 'POST';
  /** One picked at random per request. */
  paths: readonly string[];
  /** One picked at random per request, sent as `Authorization: Bearer <token>`. */
  tokens?: readonly string[];
  /** One picked at random per request (with Content-Type from `headers`). */
  bodies?: readonly string[];
  headers?: Readonly<Record<string, string>>;
}

export interface LoadOptions {
  url: string;
  plan: RequestPlan;
  connections: number;
  threads: number;
  durationSeconds: number;
  timeoutSeconds: number;
}

/** A Lua string literal for any JavaScript string (bytes outside printable ASCII as decimal escapes). */
export function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${byte}`;
  }
  return `${out}"`;
}

function luaList(name: string, items: readonly string[] | undefined): string {
  if (!items || items.length === 0) return `local ${name} = nil\n`;
  return `local ${name} = {\n${items.map((item) => `  ${luaString(item)},`).join('\n')}\n}\n`;
}

const doneHook = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%.0f,"p75_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"mean_us":%.1f,"max_us":%.0f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
`;

/**
 * The script for a plan. A plan with one path and nothing to rotate keeps wrk's static request (no per-request
 * Lua), as a plain `wrk URL` would.
 */
export function luaScript(plan: RequestPlan): string {
  const rotating = plan.paths.length > 1 || (plan.tokens?.length ?? 0) > 0 || (plan.bodies?.length ?? 0) > 0;
  const headers = Object.entries(plan.headers ?? {});
  if (!rotating) {
    const path = plan.paths[0] ?? '/';
    const setHeaders = headers.map(
      ([name, value]) => `wrk.headers[${luaString(name)}] = ${luaString(value)}\n`,
    );
    return (
      `wrk.method = ${luaString(plan.method)}\nwrk.path = ${luaString(path)}\n${setHeaders.join('')}` +
      (plan.bodies?.[0] === undefined ? '' : `wrk.body = ${luaString(plan.bodies[0])}\n`) +
      doneHook
    );
  }
  return `${luaList('paths', plan.paths)}${luaList('tokens', plan.tokens)}${luaList('bodies', plan.bodies)}
local method = ${luaString(plan.method)}
local headers = {}
${headers.map(([name, value]) => `headers[${luaString(name)}] = ${luaString(value)}`).join('\n')}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919)
end

function request()
  local path = paths[math.random(#paths)]
  if tokens then headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] end
  local body = nil
  if bodies then body = bodies[math.random(#bodies)] end
  return wrk.format(method, path, headers, body)
end
${doneHook}`;
}

const durationUnits: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1.23ms" → 1.23 (milliseconds). */
export function parseWrkDuration(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new Error(`not a wrk duration: ${JSON.stringify(text)}`);
  return Number(match[1]) * (durationUnits[match[2]] ?? NaN);
}

interface WrkJson {
  requests: number;
  duration_us: number;
  bytes: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50_us: number;
  p75_us: number;
  p90_us: number;
  p99_us: number;
  mean_us: number;
  max_us: number;
}

function fromJson(line: string): LoadResult {
  const json = JSON.parse(line) as WrkJson;
  const seconds = json.duration_us / 1e6;
  return {
    requests: json.requests,
    durationSeconds: seconds,
    requestsPerSecond: seconds > 0 ? json.requests / seconds : 0,
    bytesPerSecond: seconds > 0 ? json.bytes / seconds : 0,
    latencyMs: {
      p50: json.p50_us / 1000,
      p75: json.p75_us / 1000,
      p90: json.p90_us / 1000,
      p99: json.p99_us / 1000,
      mean: json.mean_us / 1000,
      max: json.max_us / 1000,
    },
    errors: { connect: json.connect, read: json.read, write: json.write, timeout: json.timeout },
    non2xx: json.status,
  };
}

const sizeUnits: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** wrk's human output (used when the JSON line is missing, e.g. a script without the done hook). */
export function parseWrkText(output: string): LoadResult {
  const totals = /(\d+) requests in ([\d.]+\w+), ([\d.]+)(B|KB|MB|GB|TB) read/.exec(output);
  if (!totals?.[1] || !totals[2] || !totals[3] || !totals[4]) {
    throw new Error(`wrk printed no totals:\n${output}`);
  }
  const requests = Number(totals[1]);
  const durationSeconds = parseWrkDuration(totals[2]) / 1000;
  const bytes = Number(totals[3]) * (sizeUnits[totals[4]] ?? 1);
  const percentile = (p: number) => {
    const match = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output);
    return match?.[1] ? parseWrkDuration(match[1]) : NaN;
  };
  const latencyLine = /^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    requests,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? requests / durationSeconds : 0,
    bytesPerSecond: durationSeconds > 0 ? bytes / durationSeconds : 0,
    latencyMs: {
      p50: percentile(50),
      p75: percentile(75),
      p90: percentile(90),
      p99: percentile(99),
      mean: latencyLine?.[1] ? parseWrkDuration(latencyLine[1]) : NaN,
      max: latencyLine?.[3] ? parseWrkDuration(latencyLine[3]) : NaN,
    },
    errors: {
      connect: Number(socket?.[1] ?? 0),
      read: Number(socket?.[2] ?? 0),
      write: Number(socket?.[3] ?? 0),
      timeout: Number(socket?.[4] ?? 0),
    },
    non2xx: Number(non2xx?.[1] ?? 0),
  };
}

export function parseWrkOutput(output: string): LoadResult {
  const line = output.split('\n').find((candidate) => candidate.startsWith('BENCH_JSON '));
  return line ? fromJson(line.slice('BENCH_JSON '.length)) : parseWrkText(output);
}

export interface RunningLoad {
  pid: number | undefined;
  result: Promise<LoadResult>;
}

/** Starts wrk; `result` settles when it exits. The script goes to `scriptDir`. */
export function startWrk(options: LoadOptions, scriptDir: string, name: string): RunningLoad {
  const script = join(scriptDir, `${name}.lua`);
  writeFileSync(script, luaScript(options.plan));
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    // wrk reads whole seconds only ("-d3.3s" is refused): a round of 10 s / 3 runs 3 s.
    `-d${Math.max(1, Math.round(options.durationSeconds))}s`,
    `--timeout`,
    `${options.timeoutSeconds}s`,
    '--latency',
    '-s',
    script,
    options.url,
  ];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`wrk exited with ${code}:\n${output}`));
        return;
      }
      try {
        resolve(parseWrkOutput(output));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
  return { pid: child.pid, result };
}
