// R1 and R2n: more nginx processes from the same template as the cluster's (same worker processes,
// connections, keep-alive, access log, sendfile, proxy settings) on their own ports. R1 answers the catalog URL
// with the S1 body from a static file, precompressed; R2n proxies it to R2 through the template's own
// /api/courses location, as the cluster's nginx does for S2.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { renderNginxConfig, type LecternService } from '../../deploy/nginx/render.mjs';

export interface ReferenceNginxOptions {
  runDir: string;
  port: number;
  /** A path that answers 200 once nginx (and what it proxies to) is up. */
  readyPath: string;
  webRoot: string;
  /** The template's upstreams: the cluster's replicas for R1 (unused), R2 as `courses` for R2n. */
  upstreams: Record<LecternService, string[]>;
  extraServerConfig?: string;
  /** Names it in errors: R1, R2n. */
  label: string;
}

export interface StaticFileOptions {
  runDir: string;
  /** The URL path answered from the file (the query string is ignored, as for any static file). */
  path: string;
  body: string;
}

/**
 * Writes the body and its .gz (level 9, as the kit's cache and the web build compress) and returns the location
 * that serves them: the .gz as it is to clients that accept gzip (gzip_static), the file to others.
 */
export function staticFileLocation(options: StaticFileOptions): string {
  mkdirSync(options.runDir, { recursive: true });
  const file = join(options.runDir, 'static-body.json');
  writeFileSync(file, options.body);
  writeFileSync(`${file}.gz`, gzipSync(Buffer.from(options.body, 'utf8'), { level: 9 }));
  return `location = ${options.path} {\n    default_type application/json;\n    gzip_static on;\n    alias ${file};\n}`;
}

export interface ReferenceNginx {
  pid: number | undefined;
  url: string;
  stop(): Promise<void>;
}

export function nginxVersion(): string {
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/(\d+\.\d+\.\d+)/.exec(result.stderr)?.[1] ?? 'unknown';
}

export async function startReferenceNginx(options: ReferenceNginxOptions): Promise<ReferenceNginx> {
  mkdirSync(options.runDir, { recursive: true });
  const version = nginxVersion();
  const config = renderNginxConfig({
    mode: 'local',
    runDir: options.runDir,
    webRoot: options.webRoot,
    upstreams: options.upstreams,
    listenPort: options.port,
    nginxVersion: /^\d+\.\d+\.\d+$/.test(version) ? version : '1.22.1',
    user: process.getuid?.() === 0 ? 'root' : null,
    extraServerConfig: options.extraServerConfig ?? '',
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
      throw new Error(`${options.label} nginx exited (${child.exitCode}); see ${options.runDir}/error.log`);
    try {
      const response = await fetch(`${url}${options.readyPath}`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${options.label} nginx did not answer within 10 s`);
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
