// Flags shared by bench/run.ts and bench/cost-growth.ts, and the environment check.
import { parseArgs } from 'node:util';
import { sizeOptions } from '../seed.js';
import type { Tool } from './load.js';
import { hasWrk } from './machine.js';
import type { MeasurementId } from './results.js';
import type { RequestStyle } from './scenarios.js';
import { portsFrom, type Ports } from './stack.js';

export interface BenchSettings {
  quick: boolean;
  connections: number;
  threads: number;
  durationSeconds: number;
  warmupSeconds: number;
  timeoutSeconds: number;
  /** Each measurement is split into this many rounds, interleaved with its pair. */
  rounds: number;
  replicas: number;
  tool: Tool | 'auto';
  ports: Ports;
  students: number;
  outDir: string;
  /** The rows to run; S7 (the opening rush, its own client) runs only when named here. Null: everything. */
  only: (MeasurementId | 'S7')[] | null;
  costGrowth: boolean;
  costGrowthOnly: boolean;
  profileDir: string | null;
  note: string | null;
  reseed: boolean;
  /** Browser-like requests (default) or, with --identity, none of a browser's headers. */
  requests: RequestStyle;
  sizes: Partial<Record<keyof typeof sizeOptions, string>>;
}

export const usage = `npm run bench -- [options]          (needs DATABASE_URL and REDIS_URL)

  --quick              2 s warm-up + 5 s per measurement (default: 5 s + 30 s)
  --duration S         seconds measured per scenario/reference
  --warmup S           seconds of warm-up before each (discarded)
  --connections N      concurrent connections, no pipelining (50)
  --threads N          wrk threads (2)
  --timeout S          wrk request timeout (10)
  --rounds N           split each measurement into N rounds interleaved with its pair (3; --quick: 1)
  --replicas N         replicas per service behind nginx (2)
  --tool wrk|autocannon   load generator (wrk when installed)
  --only S1,R1,…       run only these measurements (S7 included: the opening rush and its R3)
  --identity           send bare requests (no Accept-Encoding, Accept, User-Agent) instead of a browser's
  --cost-growth        also run the cost-growth report (bench/cost-growth.ts)
  --students N         distinct seeded students with tokens / login bodies (2000)
  --port N             first of the ports used (18400: nginx, +1 internal, +2..4 R1..R3, +5 R2n, +20.. replicas)
  --out DIR            where results go (bench/results)
  --profile DIR        write replicas' V8 CPU profiles (node --cpu-prof) there
  --note TEXT          a note stored with the result
  --courses N --lessons N --users N --progress N --light N --heavy N
                       seed sizes when nothing is seeded yet; with --reseed, replace the seed first`;

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number`);
  return parsed;
}

const measurementIds = new Map(
  (['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'R1', 'R2', 'R2n', 'R3', 'R4'] as const).map((id) => [
    id.toUpperCase(),
    id,
  ]),
);

export function parseBenchArgs(args: string[]): BenchSettings | 'help' {
  const { values } = parseArgs({
    args,
    options: {
      ...sizeOptions,
      quick: { type: 'boolean' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      timeout: { type: 'string' },
      rounds: { type: 'string' },
      replicas: { type: 'string' },
      tool: { type: 'string' },
      only: { type: 'string' },
      'cost-growth': { type: 'boolean' },
      'cost-growth-only': { type: 'boolean' },
      students: { type: 'string' },
      port: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      note: { type: 'string' },
      reseed: { type: 'boolean' },
      identity: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick === true;
  const tool = values.tool ?? 'auto';
  if (tool !== 'auto' && tool !== 'wrk' && tool !== 'autocannon')
    throw new Error('--tool must be wrk or autocannon');
  const only = values.only
    ? values.only.split(',').map((given) => {
        const id = measurementIds.get(given.trim().toUpperCase());
        if (!id) throw new Error(`--only: unknown measurement ${given.trim()}`);
        return id;
      })
    : null;
  const { courses, lessons, users, progress, light, heavy } = values;
  return {
    quick,
    connections: Math.round(positive(values.connections, 50, 'connections')),
    threads: Math.round(positive(values.threads, 2, 'threads')),
    durationSeconds: positive(values.duration, quick ? 5 : 30, 'duration'),
    warmupSeconds: values.warmup === '0' ? 0 : positive(values.warmup, quick ? 2 : 5, 'warmup'),
    timeoutSeconds: positive(values.timeout, 10, 'timeout'),
    rounds: Math.round(positive(values.rounds, quick ? 1 : 3, 'rounds')),
    replicas: Math.round(positive(values.replicas, 2, 'replicas')),
    tool,
    ports: portsFrom(Math.round(positive(values.port, 18_400, 'port'))),
    students: Math.round(positive(values.students, 2_000, 'students')),
    outDir: values.out ?? 'bench/results',
    only,
    costGrowth: values['cost-growth'] === true || values['cost-growth-only'] === true,
    costGrowthOnly: values['cost-growth-only'] === true,
    profileDir: values.profile ?? null,
    note: values.note ?? null,
    reseed: values.reseed === true,
    requests: values.identity === true ? 'identity' : 'browser',
    sizes: Object.fromEntries(
      Object.entries({ courses, lessons, users, progress, light, heavy }).filter(
        ([, value]) => value !== undefined,
      ),
    ),
  };
}

/** DATABASE_URL and REDIS_URL, or a message saying what to set; the process exits with 2. */
/** Settings from a command line; prints the usage and exits on --help (0) or a bad flag (2). */
export function settingsOrExit(args: string[]): BenchSettings {
  let settings: BenchSettings | 'help';
  try {
    settings = parseBenchArgs(args);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  }
  if (settings === 'help') {
    console.log(usage);
    process.exit(0);
  }
  return settings;
}

/** S7 (the opening rush, after the wrk rows) runs in every run but a cost-growth-only one, unless --only leaves it out. */
export function runsOpeningRush(settings: Pick<BenchSettings, 'only' | 'costGrowthOnly'>): boolean {
  return !settings.costGrowthOnly && (settings.only === null || settings.only.includes('S7'));
}

/** The load generator's settings for a run: wrk when installed unless --tool says otherwise. */
export function toolOf(settings: BenchSettings): Tool {
  return settings.tool === 'auto' ? (hasWrk() ? 'wrk' : 'autocannon') : settings.tool;
}

export function requireServers(command: string): { databaseUrl: string; redisUrl: string } {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (databaseUrl && redisUrl) return { databaseUrl, redisUrl };
  const missing = [databaseUrl ? null : 'DATABASE_URL', redisUrl ? null : 'REDIS_URL'].filter(Boolean);
  console.error(
    `${command} runs against real PostgreSQL and Redis: set ${missing.join(' and ')}, e.g.\n` +
      '  DATABASE_URL=postgres://root@127.0.0.1:5432/lectern_bench REDIS_URL=redis://127.0.0.1:6379/5 ' +
      `${command}\n(a database of its own keeps the seed out of the test database; see bench/README.md)`,
  );
  process.exit(2);
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** `2026-11-27T01:02:03.456Z` → `2026-11-27T01-02-03Z`: sortable and safe in file names. */
export function timestampName(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
}

/** The command line that reproduces this run. */
export function commandLine(script: string, args: readonly string[], env: NodeJS.ProcessEnv): string {
  const quoted = args.map((arg) =>
    /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`,
  );
  const prefix = ['DATABASE_URL', 'REDIS_URL']
    .filter((name) => env[name])
    .map((name) => `${name}=${redactUrl(env[name] ?? '')}`)
    .join(' ');
  const invocation =
    env.npm_lifecycle_event === 'bench' && script === 'bench/run.ts'
      ? `npm run bench${quoted.length > 0 ? ` -- ${quoted.join(' ')}` : ''}`
      : `npx tsx ${script}${quoted.length > 0 ? ` ${quoted.join(' ')}` : ''}`;
  return `${prefix} ${invocation}`.trim();
}
