import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultNginxOptions, renderNginxConfig, type NginxOptions } from '../nginx/render.mjs';

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
  return { auth: servers, courses: servers, progress: servers };
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
      },
    });
    const result = testNginxConfig(dir, config);
    expect(result.status, result.output).toBe(0);
    expect(config).toContain(`pid ${dir}/nginx.pid;`);
    expect(config).toContain(`proxy_temp_path ${dir}/proxy_temp;`);
    expect(config).toContain(`proxy_cache_path ${dir}/api_cache `);
    expect(config).toContain('listen 8080 default_server;');
    expect(config).toContain('listen 127.0.0.1:8081;');
    expect(config).toContain('server 127.0.0.1:3202;');
    expect(config).not.toContain('ssl_certificate');
    expect(config).not.toMatch(/^\s*user /m);
  });

  it('renders for swarm mode with every replica resolved through Docker DNS, TLS and a redirect', () => {
    const config = renderNginxConfig({ mode: 'swarm' });
    expect(config).toContain('resolver 127.0.0.11 valid=10s ipv6=off;');
    for (const service of ['auth', 'courses', 'progress']) {
      expect(config).toMatch(
        new RegExp(
          `upstream lectern_${service} \\{\\n\\s+zone lectern_${service} \\S+;\\n\\s+least_conn;\\n\\s+server tasks\\.${service}:3000 resolve;`,
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
      'proxy_next_upstream error timeout http_502 http_503;',
      'proxy_cache_bypass $http_authorization;',
      'proxy_no_cache $http_authorization $upstream_http_set_cookie $lectern_uncacheable;',
      'proxy_cache_lock on;',
      'proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;',
      'proxy_cache_revalidate on;',
      'proxy_cache_valid 200 1s;',
      'add_header X-Cache-Status $upstream_cache_status always;',
      'client_max_body_size 2m;',
      'add_header Cache-Control "public, max-age=31536000, immutable";',
      'try_files $uri /index.html;',
    ]) {
      expect(config).toContain(line);
    }
    expect(config).not.toMatch(/proxy_cache_bypass[^;]*\$request_method/);
    expect(config).not.toMatch(/proxy_next_upstream [^;]*non_idempotent/);
    expect(config).not.toContain('$proxy_add_x_forwarded_for');
    // The cache belongs to /api/courses alone.
    expect(config.match(/proxy_cache lectern_api;/g)).toHaveLength(1);
    expect(config).toMatch(
      /location \/api\/courses \{\n\s+proxy_pass http:\/\/lectern_courses;\n\s+proxy_cache lectern_api;/,
    );
  });

  it('takes the cache validity as the staleness bound', () => {
    const config = renderNginxConfig({ mode: 'swarm', cacheValidSeconds: 5 });
    expect(config).toContain('proxy_cache_valid 200 5s;');
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
        upstreams: { auth: ['127.0.0.1:1; evil'], courses: [], progress: [] },
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
      ],
      ...['--listen-port', '18080', '--cache-valid-seconds', '2', '--out', out],
    ]);
    expect(result.status, result.output).toBe(0);
    const config = readFileSync(out, 'utf8');
    expect(config).toContain('listen 18080 default_server;');
    expect(config).toContain('server 127.0.0.1:3102;');
    expect(config).toContain('proxy_cache_valid 200 2s;');
    expect(config).toContain(`pid ${join(dir, 'run')}/nginx.pid;`);
  });
});

interface Seen {
  method: string;
  url: string;
  forwardedFor: string | undefined;
  requestId: string | undefined;
}

/** Stands in for the services: the catalog answers like the courses service (ETag, a public Cache-Control). */
class FakeService {
  version = 1;
  readonly seen: Seen[] = [];
  private readonly server: Server;

  constructor(private readonly failWith?: number) {
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
    });
    request.resume();
    if (this.failWith) {
      response.writeHead(this.failWith, { 'content-type': 'application/problem+json' }).end('{"status":503}');
      return;
    }
    const etag = `"v${this.version}"`;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': header('x-request-id') ?? 'none',
      etag,
      'cache-control': url.includes('private=1')
        ? 'private, no-cache'
        : 'public, max-age=1, stale-while-revalidate=30',
      vary: 'Authorization',
    };
    if (url.includes('cookie=1')) headers['set-cookie'] = 'session=abc; HttpOnly';
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
  let nginx: ChildProcess | undefined;
  let nginxOutput = '';
  let base = '';
  let internalBase = '';

  beforeAll(async () => {
    requireTool('nginx', ['-v'], 'nginx-light');
    const [servicePort, failingPort] = [await service.start(), await failing.start()];
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
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

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

  it('retries an idempotent request on another replica when one answers 503', async () => {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const response = await get(`/api/progress/my?attempt=${attempt}`);
      expect(response.status).toBe(200);
    }
    expect(failing.seen.length).toBeGreaterThanOrEqual(1);
  });

  it('compresses JSON for clients that accept gzip', async () => {
    const response = await get('/api/courses?big=1', { 'accept-encoding': 'gzip' });
    expect(response.headers.get('content-encoding')).toBe('gzip');
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
    for (const service of ['auth', 'courses', 'progress']) {
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
      'postgres',
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
