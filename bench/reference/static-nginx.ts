// R1: a second nginx from the same template (same worker processes, connections, keep-alive, access log,
// sendfile) on its own port, answering the catalog URL with the S1 body from a static file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNginxConfig, type LecternService } from '../../deploy/nginx/render.mjs';

export interface StaticNginxOptions {
  runDir: string;
  port: number;
  /** The URL path answered from the file (the query string is ignored, as for any static file). */
  path: string;
  body: string;
  webRoot: string;
  /** Unused by R1 but required by the template: the cluster's replicas. */
  upstreams: Record<LecternService, string[]>;
}

export interface StaticNginx {
  pid: number | undefined;
  url: string;
  stop(): Promise<void>;
}

export function nginxVersion(): string {
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/(\d+\.\d+\.\d+)/.exec(result.stderr)?.[1] ?? 'unknown';
}

export async function startStaticNginx(options: StaticNginxOptions): Promise<StaticNginx> {
  mkdirSync(options.runDir, { recursive: true });
  const file = join(options.runDir, 'static-body.json');
  writeFileSync(file, options.body);
  const version = nginxVersion();
  const config = renderNginxConfig({
    mode: 'local',
    runDir: options.runDir,
    webRoot: options.webRoot,
    upstreams: options.upstreams,
    listenPort: options.port,
    nginxVersion: /^\d+\.\d+\.\d+$/.test(version) ? version : '1.22.1',
    user: process.getuid?.() === 0 ? 'root' : null,
    extraServerConfig: `location = ${options.path} {\n    default_type application/json;\n    alias ${file};\n}`,
  });
  const configFile = join(options.runDir, 'nginx.conf');
  writeFileSync(configFile, config);
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', options.runDir, '-c', configFile, '-e', join(options.runDir, 'error.log'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`R1 nginx exited (${child.exitCode}); see ${options.runDir}/error.log`);
    try {
      const response = await fetch(`${url}${options.path}`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('R1 nginx did not answer within 10 s');
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    pid: child.pid,
    url,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          done();
          return;
        }
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
