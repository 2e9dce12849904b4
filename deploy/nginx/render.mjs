// Renders deploy/nginx/nginx.conf.template for the two shapes that run behind nginx: `local` (the cluster on
// one machine, Debian's nginx in a temporary prefix, loopback replicas) and `swarm` (the nginx image: TLS,
// every replica found through Docker's DNS). Plain Node, no dependencies, so a Docker build stage and the
// cluster script can both run it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const SERVICES = /** @type {const} */ (['auth', 'courses', 'progress', 'assessments']);

const templateUrl = new URL('./nginx.conf.template', import.meta.url);

const common = {
  cacheValidSeconds: 1,
  cacheBackgroundUpdate: false,
  cacheMaxSize: '256m',
  clientMaxBodySize: '2m',
  workerProcesses: 'auto',
  workerConnections: 4096,
  upstreamKeepalive: 32,
  upstreamKeepaliveTimeoutSeconds: 60,
  upstreamMaxFails: 2,
  upstreamFailTimeoutSeconds: 2,
  readTimeoutSeconds: 5,
  writeTimeoutSeconds: 15,
  nginxVersion: '1.28.0',
  extraServerConfig: '',
};

/** The defaults of a mode; `local` has no default for runDir, webRoot or upstreams. */
export function defaultNginxOptions(mode) {
  if (mode === 'swarm') {
    return {
      ...common,
      mode,
      httpPort: 80,
      httpsPort: 443,
      user: 'nginx',
      runDir: '/var/cache/nginx',
      webRoot: '/usr/share/nginx/html',
      upstreams: Object.fromEntries(SERVICES.map((service) => [service, [`tasks.${service}:3000`]])),
      resolver: '127.0.0.11',
      resolverValidSeconds: 10,
      tlsCertificate: '/run/secrets/tls_cert',
      tlsCertificateKey: '/run/secrets/tls_key',
      accessLog: '/dev/stdout',
      errorLog: 'stderr',
    };
  }
  if (mode === 'local') {
    return {
      ...common,
      mode,
      listenPort: 8080,
      listenAddress: '',
      internalListenPort: null,
      user: null,
      resolver: null,
      resolverValidSeconds: 10,
    };
  }
  throw new Error(`mode must be "local" or "swarm", got ${JSON.stringify(mode)}`);
}

function fail(problem) {
  throw new Error(`renderNginxConfig: ${problem}`);
}

const plainToken = /^[^\s;{}"'$#\\]+$/;

function token(name, value) {
  if (typeof value !== 'string' || !plainToken.test(value)) {
    fail(
      `${name} must be a non-empty string without spaces, quotes, braces, ';', '$' or '#', got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function absolutePath(name, value) {
  token(name, value);
  if (!isAbsolute(value)) fail(`${name} must be an absolute path, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '') || '/';
}

function positiveInteger(name, value, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    fail(`${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function size(name, value) {
  if (typeof value !== 'string' || !/^\d+[kKmMgG]?$/.test(value)) {
    fail(`${name} must be an nginx size such as 2m, got ${JSON.stringify(value)}`);
  }
  return value;
}

function logTarget(name, value, keywords) {
  return keywords.includes(value) ? value : absolutePath(name, value);
}

function versionAtLeast(version, minimum) {
  const parts = version.split('.').map(Number);
  const wanted = minimum.split('.').map(Number);
  for (let index = 0; index < wanted.length; index += 1) {
    const have = parts[index] ?? 0;
    if (have !== wanted[index]) return have > wanted[index];
  }
  return true;
}

function renderUpstreams(options) {
  const resolveParameter = options.resolver ? ' resolve' : '';
  // A replica that failed max_fails times (refused, reset, timed out; never a 5xx it answered) within
  // fail_timeout is left out for fail_timeout, then tried with one request. Rendered in both modes, so the
  // cluster and Swarm behave the same, and never nginx's implicit 10 s.
  const failTimeout = ` max_fails=${options.upstreamMaxFails} fail_timeout=${options.upstreamFailTimeoutSeconds}s`;
  return SERVICES.map((service) => {
    const servers = options.upstreams?.[service];
    if (!Array.isArray(servers) || servers.length === 0) {
      fail(`upstreams.${service} must list at least one host:port`);
    }
    const lines = [
      `    upstream lectern_${service} {`,
      `        zone lectern_${service} 256k;`,
      '        least_conn;',
      ...servers.map((server) => {
        if (!/^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/.test(server)) {
          fail(`upstreams.${service} entries must be host:port, got ${JSON.stringify(server)}`);
        }
        return `        server ${server}${resolveParameter}${failTimeout};`;
      }),
      // Idle connections kept per worker. Shorter than Node's 72 s keep-alive, so nginx never reuses a
      // socket the service has just closed.
      `        keepalive ${options.upstreamKeepalive};`,
      `        keepalive_timeout ${options.upstreamKeepaliveTimeoutSeconds}s;`,
      '        keepalive_requests 10000;',
      '    }',
      '',
    ];
    return `${lines.join('\n')}\n`;
  }).join('');
}

// ---- faults: nginx's own answers under /api/ -----------------------------------------------------------
// Whatever nginx answers itself (no replica reachable, a replica timed out, a body too large…) is problem+json
// with a stable code like the services' own errors, and Retry-After where trying again helps. Only nginx's
// own answers: proxy_intercept_errors stays off, so a service's 503 reaches the client as the service wrote it.
// Outside /api/ (the web app) nginx's usual page is kept.
const nginxProblems = [
  { status: 400, code: 'bad_request', title: 'Bad Request', detail: 'The request could not be read.' },
  {
    status: 408,
    code: 'request_timeout',
    title: 'Request Timeout',
    detail: 'The request was not received in time.',
    retryAfter: 1,
  },
  {
    status: 413,
    code: 'payload_too_large',
    title: 'Payload Too Large',
    detail: 'The request body is larger than the server accepts ({{clientMaxBodySize}}).',
  },
  { status: 414, code: 'uri_too_long', title: 'URI Too Long', detail: 'The request URI is too long.' },
  {
    status: 429,
    code: 'rate_limited',
    title: 'Too Many Requests',
    detail: 'Too many requests: try again shortly.',
    retryAfter: 1,
  },
  {
    status: 500,
    code: 'internal_error',
    title: 'Internal Server Error',
    detail: 'Something went wrong on our side.',
  },
  {
    status: 502,
    code: 'upstream_unavailable',
    title: 'Bad Gateway',
    detail: 'No replica of the service could be reached; please retry shortly.',
    retryAfter: 1,
  },
  {
    status: 503,
    code: 'service_unavailable',
    title: 'Service Unavailable',
    detail: 'The service is unavailable; please retry shortly.',
    retryAfter: 2,
  },
  {
    status: 504,
    code: 'upstream_timeout',
    title: 'Gateway Timeout',
    detail:
      'The service did not answer in time; the request may have been carried out. Idempotent requests (reads, lesson completions) are safe to retry.',
    retryAfter: 1,
  },
];

/** The error_page lines and named locations of the main server; see nginxProblems. */
export function renderApiErrorPages(clientMaxBodySize) {
  const lines = [
    "        # ---- faults: nginx's own answers under /api/ are problem+json (rendered by render.mjs) ----------",
    ...nginxProblems.map(({ status }) => `        error_page ${status} = @lectern_error_${status};`),
    '',
  ];
  for (const problem of nginxProblems) {
    const body = JSON.stringify({
      type: `https://lectern.dev/problems/${problem.code.replaceAll('_', '-')}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail.replace('{{clientMaxBodySize}}', clientMaxBodySize),
      code: problem.code,
      ...(problem.retryAfter ? { retry_after: problem.retryAfter } : {}),
    });
    lines.push(
      `        location @lectern_error_${problem.status} {`,
      '            if ($lectern_api_request = "") {',
      `                return ${problem.status};`,
      '            }',
      '            types { }',
      '            default_type application/problem+json;',
      ...(problem.retryAfter ? [`            add_header Retry-After ${problem.retryAfter} always;`] : []),
      '            add_header X-Request-Id $lectern_request_id always;',
      '            add_header Strict-Transport-Security $lectern_hsts always;',
      `            return ${problem.status} '${body}\n';`,
      '        }',
    );
  }
  lines.push(
    '        # ---- end faults ---------------------------------------------------------------------------------',
  );
  return `${lines.join('\n')}\n`;
}

function fillTemplate(template, sections, values) {
  let text = template;
  let previous;
  do {
    previous = text;
    text = text.replace(/^[ \t]*\{\{#(\w+)\}\}\n([\s\S]*?)^[ \t]*\{\{\/\1\}\}\n/gm, (_match, name, body) => {
      if (!(name in sections)) fail(`the template has an unknown section ${name}`);
      return sections[name] ? body : '';
    });
  } while (text !== previous);
  text = text.replace(/\{\{(\w+)\}\}/g, (_match, name) => {
    if (!(name in values)) fail(`the template has an unknown placeholder ${name}`);
    return String(values[name]);
  });
  if (text.includes('{{')) fail('the template has an unclosed section');
  return text;
}

/**
 * Returns nginx.conf for `options.mode` ('local' or 'swarm'); every other option falls back to
 * defaultNginxOptions(mode). Throws on a missing or malformed option instead of rendering a config nginx
 * would reject, or worse, accept.
 */
export function renderNginxConfig(options) {
  const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined));
  const merged = { ...defaultNginxOptions(given.mode), ...given };
  const { mode } = merged;
  const swarm = mode === 'swarm';

  for (const required of ['runDir', 'webRoot', 'upstreams']) {
    if (merged[required] === undefined) fail(`${required} is required in ${mode} mode`);
  }
  const runDir = absolutePath('runDir', merged.runDir);
  const webRoot = absolutePath('webRoot', merged.webRoot);
  const accessLog = logTarget('accessLog', merged.accessLog ?? `${runDir}/access.log`, ['off']);
  const errorLog = logTarget('errorLog', merged.errorLog ?? `${runDir}/error.log`, ['stderr']);
  const nginxVersion = token('nginxVersion', merged.nginxVersion);
  if (!/^\d+\.\d+(\.\d+)?$/.test(nginxVersion)) {
    fail(`nginxVersion must look like 1.28.0, got ${nginxVersion}`);
  }
  if (merged.resolver) {
    token('resolver', merged.resolver);
    if (!versionAtLeast(nginxVersion, '1.27.3')) {
      fail(
        `resolving upstream servers (resolver) needs nginx 1.27.3 or later, nginxVersion is ${nginxVersion}`,
      );
    }
  }
  const workerConnections = positiveInteger('workerConnections', merged.workerConnections, 1_000_000);
  if (merged.workerProcesses !== 'auto') positiveInteger('workerProcesses', merged.workerProcesses, 1024);
  positiveInteger('upstreamKeepalive', merged.upstreamKeepalive, 100_000);
  positiveInteger('upstreamKeepaliveTimeoutSeconds', merged.upstreamKeepaliveTimeoutSeconds, 3600);
  positiveInteger('resolverValidSeconds', merged.resolverValidSeconds, 3600);
  positiveInteger('upstreamMaxFails', merged.upstreamMaxFails, 100);
  positiveInteger('upstreamFailTimeoutSeconds', merged.upstreamFailTimeoutSeconds, 3600);
  const readTimeoutSeconds = positiveInteger('readTimeoutSeconds', merged.readTimeoutSeconds, 3600);
  const writeTimeoutSeconds = positiveInteger('writeTimeoutSeconds', merged.writeTimeoutSeconds, 3600);
  if (typeof merged.extraServerConfig !== 'string') fail('extraServerConfig must be a string');
  if (typeof merged.cacheBackgroundUpdate !== 'boolean') fail('cacheBackgroundUpdate must be true or false');

  let listen = '';
  let tlsListen = '';
  if (swarm) {
    const httpsPort = positiveInteger('httpsPort', merged.httpsPort, 65535);
    positiveInteger('httpPort', merged.httpPort, 65535);
    token('tlsCertificate', merged.tlsCertificate);
    token('tlsCertificateKey', merged.tlsCertificateKey);
    // `http2 on` replaced the listen parameter in 1.25.1; older nginx (Debian's, in tests) needs the parameter.
    tlsListen = versionAtLeast(nginxVersion, '1.25.1')
      ? `        listen ${httpsPort} ssl default_server reuseport;\n        http2 on;`
      : `        listen ${httpsPort} ssl http2 default_server reuseport;`;
    if (merged.internalListenPort) {
      fail('internalListenPort is for local mode; in Swarm the services call VIPs');
    }
  } else {
    const port = positiveInteger('listenPort', merged.listenPort, 65535);
    listen = merged.listenAddress ? `${token('listenAddress', merged.listenAddress)}:${port}` : String(port);
    if (merged.internalListenPort) {
      positiveInteger('internalListenPort', merged.internalListenPort, 65535);
      if (merged.internalListenPort === port) fail('internalListenPort must differ from listenPort');
    }
  }

  const template = readFileSync(templateUrl, 'utf8');
  return fillTemplate(
    template,
    {
      swarm,
      local: !swarm,
      internal: Boolean(merged.internalListenPort),
      user: Boolean(merged.user),
      resolver: Boolean(merged.resolver),
    },
    {
      mode,
      user: merged.user ? token('user', merged.user) : '',
      workerProcesses: merged.workerProcesses,
      workerConnections,
      workerRlimitNofile: workerConnections * 2 + 64,
      runDir,
      webRoot,
      errorLog,
      accessLog: accessLog === 'off' ? 'off' : `${accessLog} lectern buffer=64k flush=1s`,
      clientMaxBodySize: size('clientMaxBodySize', merged.clientMaxBodySize),
      apiErrorPages: renderApiErrorPages(merged.clientMaxBodySize),
      readTimeoutSeconds,
      writeTimeoutSeconds,
      // A read that timed out on a hung replica still gets its second try on the other one.
      nextUpstreamTimeoutSeconds: readTimeoutSeconds * 2,
      cacheMaxSize: size('cacheMaxSize', merged.cacheMaxSize),
      cacheValidSeconds: positiveInteger('cacheValidSeconds', merged.cacheValidSeconds, 86_400),
      cacheBackgroundUpdate: `            proxy_cache_background_update ${merged.cacheBackgroundUpdate ? 'on' : 'off'};`,
      resolver: merged.resolver ?? '',
      resolverValidSeconds: merged.resolverValidSeconds,
      upstreams: renderUpstreams(merged),
      listen,
      internalListenPort: merged.internalListenPort ?? '',
      tlsListen,
      httpPort: merged.httpPort,
      tlsCertificate: merged.tlsCertificate,
      tlsCertificateKey: merged.tlsCertificateKey,
      extraServerConfig: merged.extraServerConfig.trim()
        ? `${merged.extraServerConfig.replace(/^(?=.)/gm, '        ').trimEnd()}\n`
        : '',
    },
  );
}

const usage = `Usage:
  node deploy/nginx/render.mjs --mode local --run-dir DIR --web-root DIR \\
      --auth HOST:PORT[,HOST:PORT...] --courses HOST:PORT[,...] --progress HOST:PORT[,...] \\
      --assessments HOST:PORT[,...] \\
      [--listen-port 8080] [--listen-address 127.0.0.1] [--internal-listen-port 8081] [--out FILE] [options]
  node deploy/nginx/render.mjs --mode swarm [--out FILE] [options]

Options: --cache-valid-seconds N (1), --cache-background-update, --cache-max-size SIZE (256m),
  --read-timeout-seconds N (5), --write-timeout-seconds N (15), --upstream-max-fails N (2),
  --upstream-fail-timeout-seconds N (2),
  --client-max-body-size SIZE (2m), --worker-connections N (4096), --worker-processes N|auto,
  --user NAME, --nginx-version X.Y.Z (1.28.0), --access-log PATH|off, --error-log PATH|stderr.
Relative paths are taken from the current directory. Without --out the config goes to stdout; with it in
local mode the run directory is created too.`;

const cliOptions = {
  mode: { type: 'string' },
  out: { type: 'string' },
  'run-dir': { type: 'string' },
  'web-root': { type: 'string' },
  'listen-port': { type: 'string' },
  'listen-address': { type: 'string' },
  'internal-listen-port': { type: 'string' },
  auth: { type: 'string' },
  courses: { type: 'string' },
  progress: { type: 'string' },
  assessments: { type: 'string' },
  'cache-valid-seconds': { type: 'string' },
  'read-timeout-seconds': { type: 'string' },
  'write-timeout-seconds': { type: 'string' },
  'upstream-max-fails': { type: 'string' },
  'upstream-fail-timeout-seconds': { type: 'string' },
  'cache-background-update': { type: 'boolean' },
  'cache-max-size': { type: 'string' },
  'client-max-body-size': { type: 'string' },
  'worker-connections': { type: 'string' },
  'worker-processes': { type: 'string' },
  user: { type: 'string' },
  'nginx-version': { type: 'string' },
  'access-log': { type: 'string' },
  'error-log': { type: 'string' },
  help: { type: 'boolean' },
};

const numeric = new Set([
  'listen-port',
  'internal-listen-port',
  'cache-valid-seconds',
  'worker-connections',
  'read-timeout-seconds',
  'write-timeout-seconds',
  'upstream-max-fails',
  'upstream-fail-timeout-seconds',
]);

function camel(name) {
  return name.replace(/-(\w)/g, (_match, letter) => letter.toUpperCase());
}

/** Turns CLI arguments into renderNginxConfig options. */
export function optionsFromArgs(args) {
  const { values } = parseArgs({ args, options: cliOptions, strict: true, allowPositionals: false });
  const options = {};
  const upstreams = {};
  for (const [name, value] of Object.entries(values)) {
    if (name === 'out' || name === 'help') continue;
    if (SERVICES.includes(name)) {
      upstreams[name] = String(value)
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
    } else if (name === 'run-dir' || name === 'web-root') {
      options[camel(name)] = resolve(String(value));
    } else if (
      (name === 'access-log' || name === 'error-log') &&
      !['off', 'stderr'].includes(String(value))
    ) {
      options[camel(name)] = resolve(String(value));
    } else if (numeric.has(name) || (name === 'worker-processes' && value !== 'auto')) {
      options[camel(name)] = Number(value);
    } else {
      options[camel(name)] = value;
    }
  }
  if (Object.keys(upstreams).length > 0) {
    const defaults = values.mode === 'swarm' ? defaultNginxOptions('swarm').upstreams : {};
    options.upstreams = { ...defaults, ...upstreams };
  }
  return { options, out: values.out, help: values.help === true };
}

function main() {
  let parsed;
  try {
    parsed = optionsFromArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${usage}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  let config;
  try {
    config = renderNginxConfig(parsed.options);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if (!parsed.out) {
    process.stdout.write(config);
    return;
  }
  const out = resolve(parsed.out);
  mkdirSync(dirname(out), { recursive: true });
  if (parsed.options.mode === 'local') mkdirSync(parsed.options.runDir, { recursive: true });
  writeFileSync(out, config);
  process.stderr.write(`wrote ${out} (${parsed.options.mode})\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
