export type NginxMode = 'local' | 'swarm';
export type LecternService = 'auth' | 'courses' | 'progress' | 'assessments';

export interface NginxOptions {
  mode: NginxMode;
  /** host:port of every replica, per service. local: required; swarm: tasks.<service>:3000. */
  upstreams?: Record<LecternService, string[]>;
  /** Absolute; pid, logs, temp paths and the API cache go under it. local: required; swarm: /var/cache/nginx. */
  runDir?: string;
  /** Absolute; the built web app (index.html, assets/). local: required; swarm: /usr/share/nginx/html. */
  webRoot?: string;
  /** local only: the HTTP port (8080) and address ('' = every address). */
  listenPort?: number;
  listenAddress?: string;
  /**
   * local only: a loopback port balancing service-to-service calls over the replicas (/internal/ to courses,
   * /api/<service> uncached); null (default) for none. Swarm uses the services' VIPs instead.
   */
  internalListenPort?: number | null;
  /** swarm only: the redirecting HTTP port (80) and the TLS port (443). */
  httpPort?: number;
  httpsPort?: number;
  /** swarm only: certificate and key files (/run/secrets/tls_cert, /run/secrets/tls_key). */
  tlsCertificate?: string;
  tlsCertificateKey?: string;
  /** DNS server for upstream names, which then get `resolve` (nginx >= 1.27.3). swarm: 127.0.0.11; local: null. */
  resolver?: string | null;
  resolverValidSeconds?: number;
  /** Worker user when the master runs as root. swarm: nginx; local: null (no user directive). */
  user?: string | null;
  /** A path, or 'off'. local: <runDir>/access.log; swarm: /dev/stdout. */
  accessLog?: string;
  /** A path, or 'stderr'. local: <runDir>/error.log; swarm: stderr. */
  errorLog?: string;
  /**
   * Seconds nginx keeps an /api/courses answer that has no Cache-Control (a 404) (1). A 200 carries the
   * service's max-age (COURSES_PUBLIC_MAX_AGE_SECONDS) and stale-if-error (COURSES_STALE_IF_ERROR_SECONDS),
   * which nginx honours: the staleness bounds, on a write and while courses cannot be reached.
   */
  cacheValidSeconds?: number;
  /** proxy_cache_background_update (false): see the template for why it is off. */
  cacheBackgroundUpdate?: boolean;
  /** proxy_cache_path max_size (256m). */
  cacheMaxSize?: string;
  /** client_max_body_size (2m). */
  clientMaxBodySize?: string;
  workerProcesses?: number | 'auto';
  workerConnections?: number;
  /** Idle upstream connections kept per worker (32), and how long (60 s, below Node's 72 s). */
  upstreamKeepalive?: number;
  upstreamKeepaliveTimeoutSeconds?: number;
  /**
   * max_fails (2) and fail_timeout (2 s) of every upstream server, both modes: a replica that failed (refused,
   * reset, timed out; never a 5xx it answered) that often within fail_timeout stays out for fail_timeout.
   */
  upstreamMaxFails?: number;
  upstreamFailTimeoutSeconds?: number;
  /**
   * Upstream read timeout of reads and completions (5 s; longer than DB_CONNECTION_TIMEOUT_MS so a service can
   * answer its own 503) and of other writes (15 s). A hung replica leaves rotation after max_fails reads.
   */
  readTimeoutSeconds?: number;
  writeTimeoutSeconds?: number;
  /** The nginx the config is for (1.28.0): picks the http2 syntax and allows `resolve` from 1.27.3. */
  nginxVersion?: string;
  /** Extra directives placed inside the main server block, e.g. a benchmark's reference location. */
  extraServerConfig?: string;
}

export const SERVICES: readonly LecternService[];
export function defaultNginxOptions(mode: NginxMode): Omit<NginxOptions, 'mode'> & { mode: NginxMode };
export function renderNginxConfig(options: NginxOptions): string;
export function optionsFromArgs(args: string[]): {
  options: Partial<NginxOptions>;
  out: string | undefined;
  help: boolean;
};
