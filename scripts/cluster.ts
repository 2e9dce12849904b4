// `npm run cluster`: the production shape on one machine. N replicas of each service as separate processes on
// loopback ports, Debian's nginx in front on :8080, real PostgreSQL and Redis. A replica that dies is started
// again (as Swarm's restart policy would); Ctrl-C stops everything this started. Tests and benchmarks import
// startCluster() to run the same thing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderNginxConfig } from '../deploy/nginx/render.mjs';

export const services = ['auth', 'courses', 'progress', 'assessments'] as const;
export type Service = (typeof services)[number];

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string;
  replicas?: number;
  /** nginx's public port (8080). */
  port?: number;
  /** First replica port; service s, replica i listens on basePort + 100 * s + i. */
  basePort?: number;
  /** nginx's loopback-only port for service-to-service calls (progress, assessments → courses, progress). */
  internalPort?: number;
  /** Seconds an anonymous catalog answer stays fresh in nginx: the staleness bound (1). */
  cacheValidSeconds?: number;
  /** Extra environment for every replica (e.g. RATE_LIMIT_MAX for a benchmark). */
  env?: Record<string, string>;
  /** Where replicas' output goes; default: inherited (the terminal). */
  output?: 'inherit' | 'ignore' | ((service: ProcessName, index: number, chunk: string) => void);
  /** Restart replicas that exit on their own (true). */
  restart?: boolean;
  /**
   * How long every process may take to answer its readiness (default 300 s). Nine Node processes loading at once
   * on a busy 2-core machine took over a minute; the limit is generous so that only a real failure ends the wait.
   */
  readyTimeoutMs?: number;
  root?: string;
}

/** The processes the cluster runs: each service's replicas behind nginx, and one job worker. */
export type ProcessName = Service | 'worker';

export interface Replica {
  service: ProcessName;
  index: number;
  port: number;
  child: ChildProcess | null;
  starts: number;
  /** The last lines the process wrote (stdout and stderr), for errors. */
  outputTail: string[];
}

export interface Cluster {
  url: string;
  internalUrl: string;
  runDir: string;
  replicas: Replica[];
  replica(service: ProcessName, index: number): Replica;
  /** Sends a signal to one replica; with restart on, the cluster starts it again after it exits. */
  kill(service: ProcessName, index: number, signal?: NodeJS.Signals): void;
  /** SIGTERM, wait for the drain and the exit, start again, wait until ready. */
  restartReplica(service: ProcessName, index: number): Promise<void>;
  stop(): Promise<void>;
}

export class ClusterError extends Error {}

function requireTool(command: string, hint: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  if (found.status !== 0) throw new ClusterError(`${command} is not installed: ${hint}`);
}

function nginxVersion(): string {
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/(\d+\.\d+\.\d+)/.exec(result.stderr)?.[1] ?? '1.22.1';
}

/** Default for ClusterOptions.readyTimeoutMs. */
export const defaultReadyTimeoutMs = 300_000;
/** A process that has exited this many times while the cluster waited for it is crash-looping: stop waiting. */
const crashLoopStarts = 4;
/** Lines of each process's latest output kept for the error that says why it never became ready. */
const outputTailLines = 20;

interface ReadyWait {
  url: string;
  timeoutMs: number;
  /** Why waiting is pointless now (a process that keeps crashing, nginx gone), or null to go on. */
  hopeless?: () => string | null;
  /** More to say when the wait fails (the process's last output). */
  explain?: () => string;
}

/** Polls `url` until it answers 2xx: the real condition, not a fixed sleep. */
async function waitFor({ url, timeoutMs, hopeless, explain }: ReadyWait): Promise<void> {
  const started = Date.now();
  let lastError = 'no answer yet';
  for (;;) {
    const reason = hopeless?.();
    if (reason) throw new ClusterError(`${url}: ${reason}${explain ? `\n${explain()}` : ''}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() - started > timeoutMs) {
      throw new ClusterError(
        `${url} not ready after ${Math.round(timeoutMs / 1000)} s (last: ${lastError})${explain ? `\n${explain()}` : ''}`,
      );
    }
    await new Promise((done) => setTimeout(done, 250));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const root = resolve(options.root ?? '.');
  const replicasPerService = options.replicas ?? 2;
  const port = options.port ?? 8080;
  const basePort = options.basePort ?? 3101;
  const internalPort = options.internalPort ?? port + 1;
  requireTool('nginx', 'install it with `apt-get install nginx-light` (Debian), then run again');
  for (const entry of [...services.map((service) => `services/${service}`), 'apps/worker']) {
    if (!existsSync(join(root, `${entry}/dist/server.js`))) {
      throw new ClusterError('the services are not built: run `npm run build` first');
    }
  }

  const runDir = mkdtempSync(join(tmpdir(), 'lectern-cluster-'));
  const dataDir = join(runDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const sharedEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    DATA_DIR: dataDir,
    TRUSTED_PROXIES: '127.0.0.1',
    AUTH_JWKS_URL: `http://127.0.0.1:${internalPort}/api/auth/.well-known/jwks.json`,
    COURSES_URL: `http://127.0.0.1:${internalPort}`,
    AUTH_URL: `http://127.0.0.1:${internalPort}`,
    PROGRESS_URL: `http://127.0.0.1:${internalPort}`,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DB_POOL_SIZE: '4',
    DB_MAX_OVERFLOW: '8',
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_MS: '10000',
    ...options.env,
  };

  // Migrations once, before any replica starts (and the signing key every auth replica shares).
  const migrated = spawnSync(process.execPath, [join(root, 'apps/platform/dist/migrate.js')], {
    env: sharedEnv,
    encoding: 'utf8',
  });
  if (migrated.status !== 0) {
    throw new ClusterError(`migrations failed:\n${migrated.stderr || migrated.stdout}`);
  }

  const replicas: Replica[] = [
    ...services.flatMap((service, serviceIndex) =>
      Array.from({ length: replicasPerService }, (_unused, index) => ({
        service,
        index,
        port: basePort + 100 * serviceIndex + index,
        child: null,
        starts: 0,
        outputTail: [],
      })),
    ),
    // One worker runs every service's jobs (mail); more would only share the same queue.
    {
      service: 'worker',
      index: 0,
      port: basePort + 100 * services.length,
      child: null,
      starts: 0,
      outputTail: [],
    },
  ];
  let stopping = false;
  const restartOnExit = options.restart ?? true;

  const launch = (replica: Replica): ChildProcess => {
    const output = options.output ?? 'inherit';
    const entry =
      replica.service === 'worker'
        ? 'apps/worker/dist/server.js'
        : `services/${replica.service}/dist/server.js`;
    // Always piped, so the last lines are at hand when a process never becomes ready; passed on as asked.
    const child = spawn(process.execPath, [join(root, entry)], {
      env: { ...sharedEnv, PORT: String(replica.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forward = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      const text = chunk.toString();
      replica.outputTail.push(...text.split('\n').filter((line) => line.length > 0));
      replica.outputTail.splice(0, Math.max(0, replica.outputTail.length - outputTailLines));
      if (typeof output === 'function') output(replica.service, replica.index, text);
      else if (output === 'inherit') stream.write(chunk);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    replica.child = child;
    replica.starts += 1;
    child.once('exit', (code, signal) => {
      if (replica.child !== child) return;
      replica.child = null;
      if (stopping || !restartOnExit) return;
      process.stderr.write(
        `[cluster] ${replica.service}#${replica.index} exited (${signal ?? `code ${code}`}); restarting\n`,
      );
      setTimeout(() => {
        if (!stopping && replica.child === null) launch(replica);
      }, 300);
    });
    return child;
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs;
  /**
   * Until the replica answers ready. A process that exits meanwhile is started again by `launch` and waited for
   * (a worker can lose a startup race once); one that keeps exiting is a real failure, reported with its output.
   */
  const waitReady = (replica: Replica, startsBefore = 0) =>
    waitFor({
      url: `http://127.0.0.1:${replica.port}/health/ready`,
      timeoutMs: readyTimeoutMs,
      hopeless: () => {
        if (stopping) return 'the cluster is stopping';
        if (replica.starts - startsBefore >= crashLoopStarts && replica.child === null) {
          return `${replica.service}#${replica.index} exited ${replica.starts - startsBefore} times while starting`;
        }
        if (!restartOnExit && replica.child === null) return `${replica.service}#${replica.index} exited`;
        return null;
      },
      explain: () =>
        `${replica.service}#${replica.index} (started ${replica.starts} time(s)) last wrote:\n` +
        (replica.outputTail.map((line) => `  ${line}`).join('\n') || '  (nothing)'),
    });
  let nginx: ChildProcess | null = null;

  const stop = async () => {
    stopping = true;
    const children = [...replicas.map((replica) => replica.child), nginx].filter(
      (child): child is ChildProcess => child !== null,
    );
    for (const child of children) child.kill('SIGTERM');
    const forced = setTimeout(() => {
      for (const child of children) child.kill('SIGKILL');
    }, 15_000);
    await Promise.all(children.map(exited));
    clearTimeout(forced);
    rmSync(runDir, { recursive: true, force: true });
  };

  try {
    // auth first: the others fetch its JWKS through nginx's internal port once they verify a token.
    for (const replica of replicas) launch(replica);
    await Promise.all(replicas.map((replica) => waitReady(replica)));

    const nginxDir = join(runDir, 'nginx');
    mkdirSync(nginxDir, { recursive: true });
    const upstreams = Object.fromEntries(
      services.map((service) => [
        service,
        replicas
          .filter((replica) => replica.service === service)
          .map((replica) => `127.0.0.1:${replica.port}`),
      ]),
    ) as Record<Service, string[]>;
    const config = renderNginxConfig({
      mode: 'local',
      runDir: nginxDir,
      webRoot: join(root, 'apps/web/dist'),
      upstreams,
      listenPort: port,
      internalListenPort: internalPort,
      cacheValidSeconds: options.cacheValidSeconds ?? 1,
      // A replica here restarts in place, on the same port: with nginx's default 10 s a restarted replica
      // stayed out of rotation that long, and restarting its sibling meanwhile left "no live upstreams" (502).
      upstreamFailTimeoutSeconds: 1,
      nginxVersion: nginxVersion(),
      user: process.getuid?.() === 0 ? 'root' : null,
    });
    const configFile = join(nginxDir, 'nginx.conf');
    writeFileSync(configFile, config);
    nginx = spawn(
      'nginx',
      ['-p', nginxDir, '-c', configFile, '-e', join(nginxDir, 'error.log'), '-g', 'daemon off;'],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const nginxProcess = nginx;
    await waitFor({
      url: `http://127.0.0.1:${port}/health`,
      timeoutMs: readyTimeoutMs,
      hopeless: () => (nginxProcess.exitCode === null ? null : `nginx exited with ${nginxProcess.exitCode}`),
      explain: () => `nginx's errors: ${join(nginxDir, 'error.log')}`,
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const find = (service: ProcessName, index: number): Replica => {
    const found = replicas.find((replica) => replica.service === service && replica.index === index);
    if (!found) throw new ClusterError(`no replica ${service}#${index}`);
    return found;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    internalUrl: `http://127.0.0.1:${internalPort}`,
    runDir,
    replicas,
    replica: find,
    kill(service, index, signal = 'SIGKILL') {
      find(service, index).child?.kill(signal);
    },
    async restartReplica(service, index) {
      const replica = find(service, index);
      const child = replica.child;
      if (!child) throw new ClusterError(`${service}#${index} is not running`);
      const startsBefore = replica.starts;
      child.kill('SIGTERM');
      await exited(child);
      const deadline = Date.now() + 30_000;
      while (replica.starts === startsBefore || replica.child === null) {
        if (Date.now() > deadline) throw new ClusterError(`${service}#${index} did not come back`);
        await new Promise((done) => setTimeout(done, 50));
      }
      await waitReady(replica, startsBefore);
    },
    stop,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      replicas: { type: 'string', default: '2' },
      port: { type: 'string', default: '8080' },
    },
  });
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  const missing = [databaseUrl ? '' : 'DATABASE_URL', redisUrl ? '' : 'REDIS_URL'].filter(Boolean);
  if (!databaseUrl || !redisUrl) {
    console.error(
      `npm run cluster needs real PostgreSQL and Redis: set ${missing.join(' and ')}, e.g.\n` +
        '  DATABASE_URL=postgres://root@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run cluster',
    );
    process.exit(2);
  }
  const replicas = Number(values.replicas);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16) {
    console.error('--replicas must be a whole number from 1 to 16');
    process.exit(2);
  }
  let cluster: Cluster;
  try {
    cluster = await startCluster({ databaseUrl, redisUrl, replicas, port: Number(values.port) });
  } catch (error) {
    console.error(error instanceof ClusterError ? error.message : error);
    process.exit(1);
  }
  console.log(
    `\n  Lectern cluster: ${cluster.url} — nginx in front of ${replicas} replica(s) each of auth, courses, progress, assessments, and a job worker\n` +
      cluster.replicas
        .map((replica) => `    ${replica.service}#${replica.index} 127.0.0.1:${replica.port}`)
        .join('\n') +
      '\n  Ctrl-C stops everything.\n',
  );
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    console.log('\n  stopping the cluster…');
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await main();
