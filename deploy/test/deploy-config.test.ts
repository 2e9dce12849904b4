import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultNginxOptions, renderNginxConfig, type NginxOptions } from '../nginx/render.mjs';
import { rawGet as rawRequest } from './support/cluster-http.js';

const deployDir = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'lectern-deploy-test-'));
// nginx as root runs its workers as nobody, who must be able to enter the run directory.
chmodSync(scratch, 0o755);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** CI installs these with apt-get (.ci/run); a missing one fails the test with the package to install. */
function requireTool(command: string, versionArgs: string[], debianPackage: string): void {
  const probe = spawnSync(command, versionArgs, { encoding: 'utf8' });
  if (probe.error) {
    throw new Error(`${command} is not installed (${probe.error.message}): apt-get install ${debianPackage}`);
  }
}

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function nginxVersion(): string {
  const probe = run('nginx', ['-v']);
  const version = /nginx\/(\d+\.\d+\.\d+)/.exec(probe.output)?.[1];
  if (!version) throw new Error(`cannot read the nginx version from: ${probe.output}`);
  return version;
}

/** A folder like the built web app. */
function makeWebRoot(dir: string): string {
  const webRoot = join(dir, 'web');
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Lectern</title><div id="root"></div>\n');
  writeFileSync(join(webRoot, 'assets', 'index-3f9a1c.js'), 'console.log("lectern");\n');
  chmodSync(dir, 0o755);
  return webRoot;
}

function testNginxConfig(dir: string, config: string) {
  writeFileSync(join(dir, 'nginx.conf'), config);
  return run('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')]);
}

function loopback(port: number): NginxOptions['upstreams'] {
  const servers = [`127.0.0.1:${port}`];
  return { auth: servers, courses: servers, progress: servers, assessments: servers };
}

describe('the nginx config', () => {
  it('renders for local mode and passes nginx -t', () => {
    requireTool('nginx', ['-v'], 'nginx-light');
    const dir = mkdtempSync(join(scratch, 'local-'));
    const config = renderNginxConfig({
      mode: 'local',
      listenPort: 8080,
      internalListenPort: 8081,
      runDir: dir,
      webRoot: makeWebRoot(dir),
      upstreams: {
        auth: ['127.0.0.1:3101', '127.0.0.1:3102'],
        courses: ['127.0.0.1:3201', '127.0.0.1:3202'],
        progress: ['127.0.0.1:3301', '127.0.0.1:3302'],
        assessments: ['127.0.0.1:3401', '127.0.0.1:3402'],
      },
    });
    const result = testNginxConfig(dir, config);
    expect(result.status, result.output).toBe(0);
    expect(config).toContain(`pid ${dir}/nginx.pid;`);
    expect(config).toContain(`proxy_temp_path ${dir}/proxy_temp;`);
    expect(config).toContain(`proxy_cache_path ${dir}/api_cache `);
    expect(config).toContain('listen 8080 default_server;');
    expect(config).toContain('listen 127.0.0.1:8081;');
    expect(config).toContain('server 127.0.0.1:3202 max_fails=2 fail_timeout=2s;');
    expect(config).not.toContain('ssl_certificate');
    expect(config).not.toMatch(/^\s*user /m);
  });

  it('renders for swarm mode with every replica resolved through Docker DNS, TLS and a redirect', () => {
    const config = renderNginxConfig({ mode: 'swarm' });
    expect(config).toContain('resolver 127.0.0.11 valid=10s ipv6=off;');
    for (const service of ['auth', 'courses', 'progress', 'assessments']) {
      expect(config).toMatch(
        new RegExp(
          `upstream lectern_${service} \\{\\n\\s+zone lectern_${service} \\S+;\\n\\s+least_conn;\\n\\s+server tasks\\.${service}:3000 resolve max_fails=2 fail_timeout=2s;`,
        ),
      );
    }
    expect(config).toContain('listen 443 ssl default_server reuseport;\n        http2 on;');
    expect(config).toContain('ssl_certificate /run/secrets/tls_cert;');
    expect(config).toContain('ssl_certificate_key /run/secrets/tls_key;');
    expect(config).toContain('listen 80 default_server reuseport;');
    expect(config).toContain('return 301 https://$host$request_uri;');
    expect(config).toContain('user nginx;');
    expect(config).toContain('root /usr/share/nginx/html;');
  });

  // Debian's nginx (1.22) predates `resolve` in upstream blocks (1.27.3), and tasks.<service> resolves only
  // inside a swarm, so the swarm config cannot pass nginx -t here as it is. Everything else in it is checked:
  // the same render with loopback servers, no resolver, a throwaway certificate and Debian's http2 syntax.
  it('passes nginx -t in swarm mode apart from the resolved upstream servers', () => {
    requireTool('nginx', ['-v'], 'nginx-light');
    requireTool('openssl', ['version'], 'openssl');
    const dir = mkdtempSync(join(scratch, 'swarm-'));
    const certificate = join(dir, 'tls_cert');
    const key = join(dir, 'tls_key');
    const made = run('openssl', [
      ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost'.split(
        ' ',
      ),
      ...['-keyout', key, '-out', certificate],
    ]);
    expect(made.status, made.output).toBe(0);
    const config = renderNginxConfig({
      mode: 'swarm',
      nginxVersion: nginxVersion(),
      resolver: null,
      user: null,
      upstreams: loopback(3000),
      runDir: dir,
      webRoot: makeWebRoot(dir),
      tlsCertificate: certificate,
      tlsCertificateKey: key,
      accessLog: join(dir, 'access.log'),
      errorLog: join(dir, 'error.log'),
    });
    const result = testNginxConfig(dir, config);
    expect(result.status, result.output).toBe(0);
  });

  it.each(['local', 'swarm'] as const)('carries the load-balancing and caching rules in %s mode', (mode) => {
    const config =
      mode === 'swarm'
        ? renderNginxConfig({ mode })
        : renderNginxConfig({ mode, runDir: '/tmp/lectern', webRoot: '/srv/web', upstreams: loopback(3001) });
    for (const line of [
      'least_conn;',
      'keepalive 32;',
      'keepalive_timeout 60s;',
      'proxy_http_version 1.1;',
      'proxy_set_header Connection "";',
      'proxy_set_header X-Forwarded-For $remote_addr;',
      'proxy_set_header X-Request-Id $lectern_request_id;',
      'proxy_next_upstream error timeout;',
      'proxy_read_timeout 5s;',
      'proxy_read_timeout 15s;',
      'proxy_next_upstream error timeout non_idempotent;',
      'error_page 502 = @lectern_error_502;',
      'error_page 504 = @lectern_error_504;',
      'proxy_ignore_headers Expires X-Accel-Expires Vary;',
      'proxy_cache_bypass $http_authorization;',
      'proxy_cache_lock on;',
      'proxy_cache_revalidate on;',
      'proxy_cache_valid 200 404 1s;',
      'add_header X-Cache-Status $upstream_cache_status always;',
      'client_max_body_size 2m;',
      'add_header Cache-Control "public, max-age=31536000, immutable";',
      'try_files $uri /index.html;',
      'gzip_static on;',
    ]) {
      expect(config).toContain(line);
    }
    expect(config).toMatch(
      /proxy_no_cache \$http_authorization \$upstream_http_set_cookie \$lectern_uncacheable\s+\$upstream_http_x_ratelimit_remaining;/,
    );
    expect(config).toContain('proxy_cache_key $scheme$host$request_uri:$lectern_coding;');
    expect(config).not.toMatch(/proxy_cache_bypass[^;]*\$request_method/);
    // Only completions, which are idempotent, are sent again after a replica took them.
    expect(config.match(/proxy_next_upstream [^;]*non_idempotent/g)).toHaveLength(1);
    // A replica's 5xx never takes it out of rotation nor gets retried, and nginx never masks an error with a
    // stale copy for longer than the service's stale-if-error.
    expect(config).not.toMatch(/proxy_next_upstream [^;]*http_5/);
    expect(config).not.toMatch(/^\s*proxy_cache_use_stale/m);
    expect(config).not.toContain('proxy_intercept_errors on');
    expect(config).not.toContain('$proxy_add_x_forwarded_for');
    // The cache belongs to /api/courses alone.
    expect(config.match(/proxy_cache lectern_api;/g)).toHaveLength(1);
    expect(config).toMatch(
      /location \/api\/courses \{\n(?:.*\n){4}\s+proxy_pass http:\/\/lectern_courses;\n\s+proxy_cache lectern_api;/,
    );
  });

  it('takes the cache validity as the staleness bound', () => {
    const config = renderNginxConfig({ mode: 'swarm', cacheValidSeconds: 5 });
    expect(config).toContain('proxy_cache_valid 200 404 5s;');
  });

  it('renders failover and the route-class timeouts from options, the same in both modes', () => {
    const options = {
      upstreamMaxFails: 3,
      upstreamFailTimeoutSeconds: 4,
      readTimeoutSeconds: 6,
      writeTimeoutSeconds: 20,
    };
    for (const config of [
      renderNginxConfig({ mode: 'swarm', ...options }),
      renderNginxConfig({
        mode: 'local',
        runDir: '/tmp/l',
        webRoot: '/srv/web',
        upstreams: loopback(3001),
        ...options,
      }),
    ]) {
      expect(config).toMatch(/server \S+ (resolve )?max_fails=3 fail_timeout=4s;/);
      expect(config).toContain('proxy_read_timeout 6s;');
      expect(config).toContain('proxy_read_timeout 20s;');
      expect(config).toContain('proxy_next_upstream_timeout 12s;');
    }
    expect(() => renderNginxConfig({ mode: 'swarm', readTimeoutSeconds: 0 })).toThrow(/readTimeoutSeconds/);
  });

  it('refuses options nginx would reject or misread', () => {
    expect(() =>
      renderNginxConfig({ mode: 'local', webRoot: '/srv/web', upstreams: loopback(3001) }),
    ).toThrow(/runDir is required/);
    expect(() =>
      renderNginxConfig({
        mode: 'local',
        runDir: 'relative',
        webRoot: '/srv/web',
        upstreams: loopback(3001),
      }),
    ).toThrow(/absolute path/);
    expect(() =>
      renderNginxConfig({
        mode: 'local',
        runDir: '/tmp/x',
        webRoot: '/srv/web',
        upstreams: { auth: ['127.0.0.1:1; evil'], courses: [], progress: [], assessments: [] },
      }),
    ).toThrow(/host:port/);
    expect(() => renderNginxConfig({ mode: 'swarm', nginxVersion: '1.22.1' })).toThrow(/1\.27\.3/);
    expect(() => renderNginxConfig({ mode: 'swarm', cacheValidSeconds: 0 })).toThrow(/cacheValidSeconds/);
    expect(() => renderNginxConfig({ mode: 'swarm', internalListenPort: 8081 })).toThrow(/local mode/);
  });

  it('is rendered to a file by the command line', () => {
    const dir = mkdtempSync(join(scratch, 'cli-'));
    const out = join(dir, 'conf', 'nginx.conf');
    const result = run(process.execPath, [
      join(deployDir, 'nginx', 'render.mjs'),
      ...['--mode', 'local', '--run-dir', join(dir, 'run'), '--web-root', join(dir, 'web')],
      ...[
        '--auth',
        '127.0.0.1:3101,127.0.0.1:3102',
        '--courses',
        '127.0.0.1:3201',
        '--progress',
        '127.0.0.1:3301',
        '--assessments',
        '127.0.0.1:3401',
      ],
      ...['--listen-port', '18080', '--cache-valid-seconds', '2', '--out', out],
    ]);
    expect(result.status, result.output).toBe(0);
    const config = readFileSync(out, 'utf8');
    expect(config).toContain('listen 18080 default_server;');
    expect(config).toContain('server 127.0.0.1:3102 max_fails=2 fail_timeout=2s;');
    expect(config).toContain('proxy_cache_valid 200 404 2s;');
    expect(config).toContain('server 127.0.0.1:3401 max_fails=2 fail_timeout=2s;');
    expect(config).toContain(`pid ${join(dir, 'run')}/nginx.pid;`);
  });
});

interface Seen {
  method: string;
  url: string;
  forwardedFor: string | undefined;
  requestId: string | undefined;
  acceptEncoding: string | undefined;
}

/** Stands in for the services: the catalog answers like the courses service (ETag, a public Cache-Control). */
class FakeService {
  version = 1;
  readonly seen: Seen[] = [];
  /** Paths answered 404 from now on, like an unpublished course. */
  readonly gone = new Set<string>();
  private readonly server: Server;

  /** A status to answer everything with, or 'reset' to drop every connection like a dead replica. */
  constructor(public failWith?: number | 'reset') {
    this.server = createServer((request, response) => this.answer(request, response));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  requestsFor(path: string): Seen[] {
    return this.seen.filter((seen) => seen.url.startsWith(path));
  }

  private answer(request: IncomingMessage, response: ServerResponse) {
    const url = request.url ?? '/';
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    this.seen.push({
      method: request.method ?? '',
      url,
      forwardedFor: header('x-forwarded-for'),
      requestId: header('x-request-id'),
      acceptEncoding: header('accept-encoding'),
    });
    request.resume();
    if (this.failWith === 'reset') {
      request.socket.destroy();
      return;
    }
    if (this.failWith) {
      response
        .writeHead(this.failWith, { 'content-type': 'application/problem+json', 'retry-after': '2' })
        .end('{"status":503,"code":"database_unavailable"}');
      return;
    }
    if (this.gone.has(url)) {
      response.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
      return;
    }
    const etag = `"v${this.version}"`;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': header('x-request-id') ?? 'none',
      etag,
      'cache-control': url.includes('private=1')
        ? 'private, no-cache'
        : `public, max-age=1, stale-while-revalidate=30${url.includes('stale=') ? `, stale-if-error=${/stale=(\d+)/.exec(url)?.[1]}` : ''}`,
      vary: 'Authorization',
    };
    if (url.includes('cookie=1')) headers['set-cookie'] = 'session=abc; HttpOnly';
    // Like the courses service: the coding it was asked for (nginx normalises the header), said in Vary.
    const coding = header('accept-encoding');
    if (url.includes('coded=1')) {
      headers.vary = 'Authorization, Accept-Encoding';
      if (coding) headers['content-encoding'] = coding;
    }
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, headers).end();
      return;
    }
    const body = { version: this.version, url, padding: url.includes('big=1') ? 'x'.repeat(4096) : '' };
    response.writeHead(200, headers).end(JSON.stringify(body));
  }
}

/** Ports free right now, held open together so the kernel cannot hand out one twice. */
async function freePorts(count: number): Promise<number[]> {
  const probes = Array.from({ length: count }, () => createServer());
  await Promise.all(
    probes.map((probe) => new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))),
  );
  const ports = probes.map((probe) => (probe.address() as AddressInfo).port);
  await Promise.all(probes.map((probe) => new Promise<void>((resolve) => probe.close(() => resolve()))));
  return ports;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nginx in local mode, running in front of stand-in services', () => {
  const service = new FakeService();
  const failing = new FakeService(503);
  const assessments = new FakeService();
  let nginx: ChildProcess | undefined;
  let nginxOutput = '';
  let base = '';
  let internalBase = '';

  beforeAll(async () => {
    requireTool('nginx', ['-v'], 'nginx-light');
    const [servicePort, failingPort, assessmentsPort] = [
      await service.start(),
      await failing.start(),
      await assessments.start(),
    ];
    const [listenPort = 0, internalListenPort = 0] = await freePorts(2);
    const dir = mkdtempSync(join(scratch, 'running-'));
    const config = renderNginxConfig({
      mode: 'local',
      listenPort,
      listenAddress: '127.0.0.1',
      internalListenPort,
      runDir: dir,
      webRoot: makeWebRoot(dir),
      workerProcesses: 1,
      upstreams: {
        auth: [`127.0.0.1:${servicePort}`],
        courses: [`127.0.0.1:${servicePort}`],
        progress: [`127.0.0.1:${failingPort}`, `127.0.0.1:${servicePort}`],
        assessments: [`127.0.0.1:${assessmentsPort}`],
      },
    });
    writeFileSync(join(dir, 'nginx.conf'), config);
    const started = spawn(
      'nginx',
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    nginx = started;
    started.stdout.on('data', (chunk: Buffer) => (nginxOutput += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (nginxOutput += chunk.toString()));
    base = `http://127.0.0.1:${listenPort}`;
    internalBase = `http://127.0.0.1:${internalListenPort}`;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (started.exitCode !== null) throw new Error(`nginx exited: ${nginxOutput}`);
      const ready = await fetch(`${base}/health`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await sleep(50);
    }
    throw new Error(`nginx did not answer on ${base}: ${nginxOutput}`);
  });

  afterAll(async () => {
    if (nginx?.exitCode === null) {
      const exited = new Promise((resolve) => nginx?.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await service.stop();
    await failing.stop();
    await assessments.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
  const rawGet = (path: string, headers: Record<string, string> = {}) => rawRequest(base, path, headers);

  it('answers an anonymous catalog read from its cache after the first', async () => {
    const first = await get('/api/courses?limit=10&case=hit');
    const second = await get('/api/courses?limit=10&case=hit');
    expect(first.headers.get('x-cache-status')).toBe('MISS');
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect(await second.json()).toMatchObject({ version: service.version });
    expect(service.requestsFor('/api/courses?limit=10&case=hit')).toHaveLength(1);
  });

  it('never answers nor stores a request with Authorization from the cache', async () => {
    const path = '/api/courses?case=authorized';
    const authorized = await get(path, { authorization: 'Bearer token' });
    const again = await get(path, { authorization: 'Bearer token' });
    const anonymous = await get(path);
    expect(authorized.headers.get('x-cache-status')).toBe('BYPASS');
    expect(again.headers.get('x-cache-status')).toBe('BYPASS');
    expect(anonymous.headers.get('x-cache-status')).toBe('MISS');
    expect(service.requestsFor(path)).toHaveLength(3);
  });

  it('never stores a response with Set-Cookie or a private Cache-Control', async () => {
    for (const path of ['/api/courses?cookie=1', '/api/courses?private=1']) {
      await get(path);
      const second = await get(path);
      expect(second.headers.get('x-cache-status'), path).toBe('MISS');
      expect(service.requestsFor(path), path).toHaveLength(2);
    }
  });

  it('shows a write within the cache validity plus the second nginx rounds to', async () => {
    const path = '/api/courses?case=staleness';
    await get(path);
    service.version += 1;
    await sleep(2100);
    const after = await get(path);
    expect(await after.json()).toMatchObject({ version: service.version });
    expect(after.headers.get('x-cache-status')).toBe('EXPIRED');
  });

  it('caches nothing outside /api/courses', async () => {
    await get('/api/auth/me');
    const second = await get('/api/auth/me');
    expect(second.headers.get('x-cache-status')).toBeNull();
    expect(service.requestsFor('/api/auth/me')).toHaveLength(2);
  });

  it('passes single sign-on routes to auth every time, the callback with its query', async () => {
    for (const path of [
      '/api/auth/oidc/uni/login?next=%2Fmy',
      '/api/auth/oidc/uni/callback?code=c&state=s',
    ]) {
      const first = await fetch(`${base}${path}`, { redirect: 'manual' });
      await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(first.headers.get('x-cache-status')).toBeNull();
      expect(service.requestsFor(path)).toHaveLength(2);
    }
  });

  it('replaces a client-sent X-Forwarded-For with the address nginx sees', async () => {
    await get('/api/auth/forwarded', { 'x-forwarded-for': '203.0.113.7' });
    expect(service.requestsFor('/api/auth/forwarded')[0]?.forwardedFor).toBe('127.0.0.1');
  });

  it("passes the caller's X-Request-Id through, or makes one, and returns it even from the cache", async () => {
    const given = await get('/api/auth/request-id-given', { 'x-request-id': 'trace-42' });
    expect(given.headers.get('x-request-id')).toBe('trace-42');
    expect(service.requestsFor('/api/auth/request-id-given')[0]?.requestId).toBe('trace-42');

    const made = await get('/api/auth/request-id-made', { 'x-request-id': 'not a valid id' });
    const madeId = made.headers.get('x-request-id') ?? '';
    expect(madeId).toMatch(/^[0-9a-f]{32}$/);
    expect(service.requestsFor('/api/auth/request-id-made')[0]?.requestId).toBe(madeId);

    await get('/api/courses?case=request-id');
    const cached = await get('/api/courses?case=request-id', { 'x-request-id': 'second-reader' });
    expect(cached.headers.get('x-cache-status')).toBe('HIT');
    expect(cached.headers.get('x-request-id')).toBe('second-reader');
  });

  it("passes a replica's own 503 through as it wrote it, and keeps that replica in rotation", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const response = await get(`/api/progress/my?attempt=${attempt}`);
      statuses.push(response.status);
      if (response.status === 503) {
        expect(response.headers.get('retry-after')).toBe('2');
        expect(await response.json()).toMatchObject({ code: 'database_unavailable' });
      }
    }
    // least_conn alternates between the two; a 503 is neither retried nor counted as the replica failing.
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3);
  });

  it('sends writes with their path and query to the service, through the write route class', async () => {
    const response = await fetch(`${base}/api/auth/login?next=%2Fmy`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(service.requestsFor('/api/auth/login')).toMatchObject([
      { method: 'POST', url: '/api/auth/login?next=%2Fmy' },
    ]);
  });

  it("answers its own errors under /api/ as problem+json with Retry-After, and the web app's as HTML", async () => {
    const tooLarge = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      body: 'x'.repeat(3 * 1024 * 1024),
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toBe('application/problem+json');
    expect(await tooLarge.json()).toMatchObject({ status: 413, code: 'payload_too_large' });

    const missingAsset = await get('/assets/missing-1234.js');
    expect(missingAsset.status).toBe(404);
    expect(missingAsset.headers.get('content-type')).toContain('text/html');
  });

  // nginx 1.22 honours stale-if-error for a replica that cannot be reached or times out, not for a 5xx it answers:
  // a service's own 503 always reaches the client.
  it('serves a stale catalog answer while courses is unreachable only within stale-if-error, then an error', async () => {
    const path = '/api/courses?case=outage&stale=2';
    expect((await get(path)).status).toBe(200);
    service.failWith = 'reset';
    try {
      // Expired (1 s, counted in whole seconds) but within stale-if-error: the copy stands in for the 503.
      await sleep(2100);
      const during = await get(path);
      expect(during.status).toBe(200);
      expect(during.headers.get('x-cache-status')).toBe('STALE');
      // Past max-age + stale-if-error (+1 s of rounding): nginx's own problem+json, never the copy.
      await sleep(2500);
      const after = await get(path);
      expect(after.status).toBe(502);
      expect(after.headers.get('retry-after')).toBe('1');
      expect(after.headers.get('content-type')).toBe('application/problem+json');
      expect(await after.json()).toMatchObject({ status: 502, code: 'upstream_unavailable' });
    } finally {
      service.failWith = undefined;
    }
  });

  it('never serves a catalog answer again once the service said it is gone, even in a later outage', async () => {
    const path = '/api/courses?case=unpublished&stale=60';
    expect((await get(path)).status).toBe(200);
    service.gone.add(path);
    await sleep(2100);
    expect((await get(path)).status).toBe(404);
    service.failWith = 'reset';
    try {
      await sleep(2100);
      const during = await get(path);
      expect(during.status).not.toBe(200);
    } finally {
      service.failWith = undefined;
    }
  });

  it('compresses JSON made per request for clients that accept gzip, but not the catalog, which comes compressed', async () => {
    // auth, not progress: one of progress's stand-ins here answers 503 (the faults tests).
    const users = await get('/api/auth/users?big=1', { 'accept-encoding': 'gzip' });
    expect(users.headers.get('content-encoding')).toBe('gzip');
    const catalog = await get('/api/courses?big=1&case=identity', { 'accept-encoding': 'gzip' });
    expect(catalog.headers.get('content-encoding')).toBeNull();
  });

  // Compression (speed, issue 13).
  it('caches each coding of a catalog answer apart, under one key per coding whatever the header order', async () => {
    const path = '/api/courses?coded=1&case=codings';
    const raw = (acceptEncoding?: string) =>
      rawGet(path, acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding });
    const browser = await raw('gzip, deflate, br');
    const reordered = await raw('br, gzip');
    const gzipOnly = await raw('gzip;q=1.0, br;q=0');
    const none = await raw();
    const unknown = await raw('deflate');
    expect(browser.headers['content-encoding']).toBe('br');
    expect(browser.headers['x-cache-status']).toBe('MISS');
    expect(reordered.headers['content-encoding']).toBe('br');
    expect(reordered.headers['x-cache-status']).toBe('HIT');
    expect(gzipOnly.headers['content-encoding']).toBe('gzip');
    expect(gzipOnly.headers['x-cache-status']).toBe('MISS');
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.headers['x-cache-status']).toBe('MISS');
    expect(unknown.headers['content-encoding']).toBeUndefined();
    expect(unknown.headers['x-cache-status']).toBe('HIT');
    // The service was asked once per coding, with the normalised header (none for identity).
    expect(service.requestsFor(path).map((seen) => seen.acceptEncoding)).toEqual(['br', 'gzip', undefined]);
  });

  it('answers /health itself and hides /metrics and /internal/', async () => {
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await get('/metrics')).status).toBe(404);
    expect((await get('/internal/lessons/1')).status).toBe(404);
    const unknown = await get('/api/unknown');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(
      service.seen.some((seen) => seen.url.startsWith('/metrics') || seen.url.startsWith('/internal')),
    ).toBe(false);
  });

  it('passes service-to-service calls, /internal/ included, on the loopback-only internal port, uncached', async () => {
    const lessons = await fetch(`${internalBase}/internal/lessons/7`);
    expect(lessons.status).toBe(200);
    expect(service.requestsFor('/internal/lessons/7')).toHaveLength(1);
    await fetch(`${internalBase}/api/courses?case=internal`);
    const again = await fetch(`${internalBase}/api/courses?case=internal`);
    expect(again.headers.get('x-cache-status')).toBeNull();
    expect(service.requestsFor('/api/courses?case=internal')).toHaveLength(2);
    expect((await fetch(`${internalBase}/`)).status).toBe(404);
  });

  it('sends /api/assessments/ to the assessments replicas, on both ports, and never caches it', async () => {
    const headers = { authorization: 'Bearer x' };
    const first = await fetch(`${base}/api/assessments/quizzes/7`);
    const second = await fetch(`${base}/api/assessments/quizzes/7`, { headers });
    const inside = await fetch(`${internalBase}/api/assessments/quizzes/7`);
    expect([first.status, second.status, inside.status]).toEqual([200, 200, 200]);
    expect(first.headers.get('x-cache-status')).toBeNull();
    expect(assessments.requestsFor('/api/assessments/quizzes/7')).toHaveLength(3);
    expect(service.requestsFor('/api/assessments/')).toHaveLength(0);
  });

  it('serves the web app: index.html for client routes, never cached; hashed assets for a year', async () => {
    const route = await get('/courses/12/lessons/3');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<div id="root">');
    expect(route.headers.get('cache-control')).toBe('no-cache');
    expect(route.headers.get('content-security-policy')).toContain("default-src 'self'");

    const asset = await get('/assets/index-3f9a1c.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toContain('text/javascript');

    const missing = await get('/assets/index-000000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBeNull();
  });
});

describe('Prometheus configuration', () => {
  it('passes promtool check config, rule files included', () => {
    requireTool('promtool', ['--version'], 'prometheus');
    for (const file of ['prometheus.yml', 'prometheus.local.yml']) {
      const result = run('promtool', ['check', 'config', join(deployDir, 'prometheus', file)]);
      expect(result.status, result.output).toBe(0);
    }
  });

  it('passes promtool check rules and the alert unit tests', () => {
    requireTool('promtool', ['--version'], 'prometheus');
    const checked = run('promtool', ['check', 'rules', join(deployDir, 'prometheus', 'alerts.yml')]);
    expect(checked.status, checked.output).toBe(0);
    const tested = run('promtool', ['test', 'rules', join(deployDir, 'prometheus', 'alerts.test.yml')]);
    expect(tested.status, tested.output).toBe(0);
  });

  it('scrapes every replica of every service through Docker DNS', () => {
    const config = readFileSync(join(deployDir, 'prometheus', 'prometheus.yml'), 'utf8');
    for (const service of ['auth', 'courses', 'progress', 'assessments']) {
      expect(config).toMatch(new RegExp(`names: \\['tasks\\.${service}'\\]\\n\\s+type: A\\n\\s+port: 3000`));
    }
  });
});

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(
    readFileSync(join(deployDir, 'grafana', 'dashboards', 'lectern.json'), 'utf8'),
  ) as {
    panels: Panel[];
  };
  const expressions = dashboard.panels.flatMap((panel) => panel.targets?.map((target) => target.expr) ?? []);

  it('charts the seven service metrics and the Node process', () => {
    for (const metric of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'cache_hits_total',
      'cache_misses_total',
      'db_queries_total',
      'db_query_duration_seconds_bucket',
      'active_connections',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(
        expressions.some((expr) => expr.includes(metric)),
        metric,
      ).toBe(true);
    }
  });

  it('has only queries that Prometheus parses', () => {
    requireTool('promtool', ['--version'], 'prometheus');
    const rules = expressions.map((expr, index) => ({
      record: `lectern:dashboard_query_${index}`,
      expr: expr
        .replaceAll('$__rate_interval', '1m')
        .replaceAll('$__range', '1h')
        .replaceAll('$service', '.*'),
    }));
    const file = join(scratch, 'dashboard-queries.json');
    // promtool reads YAML, and JSON is YAML.
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = run('promtool', ['check', 'rules', file]);
    expect(result.status, result.output).toBe(0);
  });

  it('uses the provisioned Prometheus data source', () => {
    const provisioning = readFileSync(
      join(deployDir, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
      'utf8',
    );
    expect(provisioning).toContain('uid: lectern-prometheus');
    expect(readFileSync(join(deployDir, 'grafana', 'dashboards', 'lectern.json'), 'utf8')).toContain(
      '"value": "lectern-prometheus"',
    );
  });
});

describe('the Swarm stack', () => {
  it('passes docker stack config', () => {
    requireTool('docker', ['--version'], 'docker.io');
    const result = run('docker', ['stack', 'config', '-c', join(deployDir, 'docker-stack.yml')]);
    expect(result.status, result.output).toBe(0);
    const { output } = result;
    for (const service of [
      'nginx',
      'auth',
      'courses',
      'progress',
      'assessments',
      'postgres',
      'postgres-replica',
      'redis',
      'prometheus',
      'grafana',
    ]) {
      expect(output).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    }
    expect(output).toContain('order: start-first');
    expect(output).toContain('failure_action: rollback');
    expect(output).toContain('POSTGRES_PASSWORD_FILE: /run/secrets/db_password');
    expect(output).toContain('--maxmemory-policy');
    expect(output).toContain('allkeys-lru');
    expect(output).toContain('AUTH_JWKS_URL: http://auth:3000/api/auth/.well-known/jwks.json');
    expect(output).toContain('PROGRESS_URL: http://progress:3000');
  });

  it('streams a replica from the primary, reads through it from every service, and archives WAL', () => {
    requireTool('docker', ['--version'], 'docker.io');
    const result = run('docker', ['stack', 'config', '-c', join(deployDir, 'docker-stack.yml')]);
    expect(result.status, result.output).toBe(0);
    const services = result.output.split(/^ {2}(?=[a-z-]+:$)/m);
    const section = (name: string) => services.find((text) => text.startsWith(`${name}:\n`)) ?? '';
    for (const service of ['auth', 'courses', 'progress']) {
      expect(section(service)).toContain(
        'DATABASE_READ_URL: postgres://lectern@postgres-replica:5432/lectern',
      );
      expect(section(service)).toContain('DATABASE_PASSWORD_FILE: /run/secrets/db_password');
    }
    const primary = section('postgres');
    expect(primary).toContain('archive_mode=on');
    expect(primary).toMatch(/archive_command=test ! -f \/var\/lib\/postgresql\/wal-archive\/%f && cp %p/);
    expect(primary).toContain('target: /var/lib/postgresql/wal-archive');
    expect(primary).toContain('target: /docker-entrypoint-initdb.d/init-replication.sh');
    const replica = section('postgres-replica');
    expect(replica).toContain('target: /usr/local/bin/replica-entrypoint.sh');
    expect(replica).toContain('source: replication_password');
    expect(replica).toContain('target: /var/lib/postgresql/data');
    expect(replica).toContain('node.labels.lectern.data-replica == true');

    const entrypoint = readFileSync(join(deployDir, 'postgres', 'replica-entrypoint.sh'), 'utf8');
    expect(entrypoint).toMatch(/pg_basebackup -h postgres -U replicator\s*\\\s*-D "\$data" -R -X stream/);
    const init = readFileSync(join(deployDir, 'postgres', 'init-replication.sh'), 'utf8');
    expect(init).toContain('CREATE ROLE replicator WITH REPLICATION LOGIN');
    expect(init).toContain('host replication replicator');
    for (const script of ['replica-entrypoint.sh', 'init-replication.sh']) {
      const check = run('sh', ['-n', join(deployDir, 'postgres', script)]);
      expect(check.status, check.output).toBe(0);
    }
  });

  it("keeps the services' drain shorter than Swarm's stop grace period", () => {
    const stack = readFileSync(join(deployDir, 'docker-stack.yml'), 'utf8');
    const drainMs = Number(/SHUTDOWN_GRACE_MS: ['"]?(\d+)/.exec(stack)?.[1]);
    const graceSeconds = Number(/x-service:[\s\S]*?stop_grace_period: (\d+)s/.exec(stack)?.[1]);
    expect(drainMs).toBeGreaterThan(0);
    expect(graceSeconds * 1000).toBeGreaterThan(drainMs);
  });

  it("keeps nginx's upstream keep-alive shorter than Node's 72 s", () => {
    const { upstreamKeepaliveTimeoutSeconds } = defaultNginxOptions('swarm');
    expect(upstreamKeepaliveTimeoutSeconds).toBeLessThan(72);
  });
});
