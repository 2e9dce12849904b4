// A throwaway PostgreSQL for the fault suite: initdb into a temporary folder, its own port and socket folder,
// never the machine's shared server. Stopped, restarted and refused on purpose by the experiments.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export class ChaosSetupError extends Error {}

/** initdb and pg_ctl of the newest PostgreSQL under /usr/lib/postgresql, or on PATH. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim().replace(/\/initdb$/, '');
  throw new ChaosSetupError('initdb not found: install PostgreSQL (apt-get install postgresql)');
}

export class PrivatePostgres {
  private readonly bin = postgresBinDir();
  private readonly dir: string;
  private readonly dataDir: string;
  /** PostgreSQL refuses to run as root; as root every command runs as the postgres user. */
  private readonly asUser = process.getuid?.() === 0 ? 'postgres' : null;

  private constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'lectern-chaos-pg-'));
    chmodSync(this.dir, 0o777);
    this.dataDir = join(this.dir, 'data');
  }

  /** Creates the cluster, starts it and creates the `lectern` database. */
  static async start(port: number): Promise<PrivatePostgres> {
    const postgres = new PrivatePostgres(port);
    try {
      postgres.run('initdb', [
        '-D',
        postgres.dataDir,
        '-U',
        'root',
        '--auth=trust',
        '-E',
        'UTF8',
        '--no-sync',
      ]);
      postgres.startServer();
      await postgres.admin(async (client) => {
        await client.query('create database lectern');
      });
      return postgres;
    } catch (error) {
      postgres.destroy();
      throw error;
    }
  }

  url(database = 'lectern'): string {
    return `postgres://root@127.0.0.1:${this.port}/${database}`;
  }

  startServer(): void {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=300',
      '-c shared_buffers=64MB',
    ].join(' ');
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      options,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  stopServer(mode: 'fast' | 'immediate'): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  restartServer(mode: 'fast' | 'immediate'): void {
    this.stopServer(mode);
    this.startServer();
  }

  /** A short-lived superuser connection to the `postgres` database (which stays open to it whatever happens to `lectern`). */
  async admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** Refuses (false) or accepts (true) new connections to `lectern`; refusing also ends the open ones. */
  async allowConnections(allowed: boolean): Promise<void> {
    await this.admin(async (client) => {
      await client.query(`alter database lectern allow_connections ${allowed ? 'true' : 'false'}`);
      if (!allowed) {
        await client.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = 'lectern' and pid <> pg_backend_pid()",
        );
      }
    });
  }

  /** Stops the server at once and removes its folder; safe to call twice and after a failed start. */
  destroy(): void {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      try {
        this.stopServer('immediate');
      } catch {
        // Already gone: the folder is removed below either way.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const command = join(this.bin, tool);
    const result = this.asUser
      ? spawnSync('runuser', ['-u', this.asUser, '--', command, ...args], { encoding: 'utf8', cwd: this.dir })
      : spawnSync(command, args, { encoding: 'utf8', cwd: this.dir });
    if (result.status !== 0) {
      throw new ChaosSetupError(`${tool} ${args.join(' ')} failed:\n${result.stderr || result.stdout}`);
    }
  }
}
