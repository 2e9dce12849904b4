import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './index.js';

/** The newest PostgreSQL server binaries installed the Debian way (/usr/lib/postgresql/<major>/bin). */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  const bin = majors.map((major) => join(root, major, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  return bin;
}

interface Owner {
  uid: number;
  gid: number;
}

/** initdb refuses to run as root: as root, the clusters belong to the `postgres` account instead. */
function clusterOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export interface StreamingCluster {
  primaryUrl: string;
  replicaUrl: string;
  /** Runs SQL on the replica as the superuser (pg_wal_replay_pause(), …). */
  onReplica(sql: string): Promise<pg.QueryResult>;
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the replica has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
  stopReplica(): Promise<void>;
  /** Stops both servers and removes their folders; safe to call twice. */
  close(): Promise<void>;
}

async function waitAccepting(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres did not start: ${String(error)}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (server === undefined || server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  // SIGINT is PostgreSQL's fast shutdown: sessions are cut, nothing is waited for.
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface PostgresSandbox {
  /** A folder of the sandbox's own, owned by the account the servers run as. */
  root: string;
  /** Makes `root/name`, owned by the servers' account (a WAL archive, a backup folder). */
  folder(name: string): string;
  /** Runs one of the server binaries (initdb, pg_basebackup, pg_dump, …) as the servers' account. */
  exec(binary: string, args: string[]): void;
  /**
   * Starts `postgres -D dataDir` on a free loopback port (or on `port`, to start a stopped server again where its
   * clients look for it); resolves once it accepts connections.
   */
  start(dataDir: string, settings?: string[], port?: number): Promise<SandboxServer>;
  /** Stops every server and removes the folder; safe to call twice. */
  close(): Promise<void>;
}

export interface SandboxServer {
  port: number;
  /** postgres://lectern@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  stop(): Promise<void>;
}

/**
 * A folder for throwaway PostgreSQL servers, started as child processes on loopback ports of their own (the
 * shared server is never touched). Clusters are made with `exec('initdb', ['-D', dir, '-U', 'lectern',
 * '--auth=trust'])`. Everything is stopped and removed by close(), and the folder by process exit too.
 */
export function createPostgresSandbox(): PostgresSandbox {
  const bin = postgresBinaries();
  if (bin === undefined) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin');
  const owner = clusterOwner();
  const root = mkdtempSync(join(tmpdir(), 'lectern-pg-sandbox-'));
  chmodSync(root, 0o755);
  if (owner) chownSync(root, owner.uid, owner.gid);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const servers: ChildProcess[] = [];
  let closed = false;
  const removeOnExit = () => rmSync(root, { recursive: true, force: true });
  process.on('exit', removeOnExit);

  return {
    root,
    folder(name) {
      const path = join(root, name);
      mkdirSync(path, { mode: 0o700 });
      if (owner) chownSync(path, owner.uid, owner.gid);
      return path;
    },
    exec(binary, args) {
      execFileSync(join(bin, binary), args, { ...asOwner, stdio: 'pipe' });
    },
    async start(dataDir, settings = [], fixedPort) {
      const port = fixedPort ?? (await freePort());
      let output = '';
      const server = spawn(
        join(bin, 'postgres'),
        [
          ...['-D', dataDir, '-p', String(port), '-k', root],
          ...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
          ...settings.flatMap((setting) => ['-c', setting]),
        ],
        { ...asOwner, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      servers.push(server);
      server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const url = (database = 'postgres') => `postgres://lectern@127.0.0.1:${port}/${database}`;
      await waitAccepting(url(), server, () => output);
      return { port, url, stop: () => stopServer(server) };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(servers.map(stopServer));
      removeOnExit();
      process.off('exit', removeOnExit);
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A throwaway streaming-replication pair: `initdb` a primary, `pg_basebackup -R` a standby from it
 * (primary_conninfo written by -R), both in a sandbox of their own.
 */
export async function startStreamingCluster(): Promise<StreamingCluster> {
  const sandbox = createPostgresSandbox();
  try {
    const primaryDir = join(sandbox.root, 'primary');
    sandbox.exec('initdb', ['-D', primaryDir, '-U', 'lectern', '--auth=trust', '-E', 'UTF8']);
    const primary = await sandbox.start(primaryDir);
    const replicaDir = join(sandbox.root, 'replica');
    sandbox.exec('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'lectern'],
      ...['-D', replicaDir, '-R', '-X', 'stream'],
    ]);
    const replica = await sandbox.start(replicaDir);
    const onReplica = (sql: string) => withClient(replica.url(), (client) => client.query(sql));

    return {
      primaryUrl: primary.url(),
      replicaUrl: replica.url(),
      onReplica,
      pauseReplay: async () => {
        await onReplica('select pg_wal_replay_pause()');
      },
      resumeReplay: async () => {
        await onReplica('select pg_wal_replay_resume()');
      },
      caughtUp: async () => {
        const { rows } = await withClient(primary.url(), (client) =>
          client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'),
        );
        const target = rows[0]?.lsn ?? '0/0';
        const deadline = Date.now() + 30_000;
        for (;;) {
          const replayed = await onReplica(`select pg_last_wal_replay_lsn() >= '${target}'::pg_lsn as done`);
          if ((replayed.rows[0] as { done?: boolean } | undefined)?.done === true) return;
          if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${target}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      stopReplica: () => replica.stop(),
      close: () => sandbox.close(),
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
