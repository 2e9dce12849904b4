import { readFileSync } from 'node:fs';
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Settings every Lectern process understands. Env names are the keys, so the README table maps one to one. */
export const baseConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
    description: 'development, production or test',
  }),
  HOST: Type.String({ default: '0.0.0.0', description: 'address to listen on' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'port to listen on' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'pino log level' },
  ),
  DATA_DIR: Type.String({
    default: './.data',
    description: 'folder for embedded PostgreSQL (PGlite) and generated keys',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL URL; unset = embedded PGlite' }),
  ),
  DATABASE_PASSWORD_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description: "file whose content replaces DATABASE_URL's (and DATABASE_READ_URL's) password (a secret)",
    }),
  ),
  DATABASE_READ_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'streaming replica for reads that may lag (lists, catalog misses); needs DATABASE_URL',
    }),
  ),
  DB_REPLICA_MAX_LAG_MS: Type.Integer({
    minimum: 0,
    default: 2000,
    description: 'a replica further behind than this (or down) is skipped and the primary answers',
  }),
  DB_REPLICA_CHECK_MS: Type.Integer({
    minimum: 100,
    default: 1000,
    description: "how often the replica's health and lag are measured",
  }),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 10, description: 'base pool size' }),
  DB_MAX_OVERFLOW: Type.Integer({
    minimum: 0,
    maximum: 500,
    default: 20,
    description: 'extra connections above DB_POOL_SIZE',
  }),
  DB_CONNECTION_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 3000,
    description: 'wait for a pool connection before answering 503',
  }),
  DB_IDLE_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description: 'close idle connections after',
  }),
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000, description: 'statement_timeout' }),
  REDIS_URL: Type.Optional(
    Type.String({ pattern: '^rediss?://', description: 'Redis URL; unset = in-process cache and limits' }),
  ),
  CACHE_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9_-]+$',
    default: 'lectern',
    description:
      'Redis key prefix of the cache and rate limits; deployments sharing one Redis need different ones',
  }),
  CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, default: 300, description: 'Redis (L2) cache TTL' }),
  CACHE_L1_TTL_MS: Type.Integer({ minimum: 1, default: 5000, description: 'in-process (L1) cache TTL' }),
  CACHE_L1_MAX_ENTRIES: Type.Integer({
    minimum: 1,
    default: 10_000,
    description: 'L1 cache entries at most',
  }),
  CACHE_L1_MAX_MB: Type.Integer({ minimum: 1, default: 64, description: 'L1 cache memory at most, in MiB' }),
  TRUSTED_PROXIES: Type.String({
    default: '',
    description: 'comma-separated IPs/CIDRs whose X-Forwarded-For is believed',
  }),
  OPS_ALLOWED_NETWORKS: Type.String({
    default: 'loopback,private',
    description:
      'who may read /metrics and /health/ready: comma-separated CIDRs or IPs, "loopback", "private" (RFC 1918, ULA, link-local) or "any"',
  }),
  RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    default: 60,
    description: 'requests per window per user (or IP when anonymous)',
  }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000, description: 'rate-limit window' }),
  JWT_ISSUER: Type.String({ default: 'lectern-auth', description: 'access token issuer (iss)' }),
  JWT_AUDIENCE: Type.String({ default: 'lectern', description: 'access token audience (aud)' }),
  AUTH_JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        "auth service's JWKS, for services run apart; its origin also answers auth's /internal/auth session checks",
    }),
  ),
  JOBS_SCHEMA: Type.String({
    pattern: '^[a-z_][a-z0-9_]*$',
    default: 'jobs',
    description:
      "PostgreSQL schema of the job queue's tables; deployments sharing one database need different ones",
  }),
  JOBS_RETRY_LIMIT: Type.Integer({
    minimum: 0,
    maximum: 30,
    default: 12,
    description: 'retries of a failed job (mail included) before it is kept as dead',
  }),
  JOBS_RETRY_DELAY_SECONDS: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'wait before the first retry; each next retry waits about twice as long',
  }),
  JOBS_POLL_INTERVAL_SECONDS: Type.Number({
    minimum: 0.5,
    maximum: 60,
    default: 1,
    description: 'how often a worker looks for new jobs',
  }),
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://',
      description:
        'mail server, smtp(s)://user:pass@host:port; unset = mail written to the log and DATA_DIR/mail',
    }),
  ),
  MAIL_FROM: Type.String({
    minLength: 3,
    default: 'Lectern <no-reply@localhost>',
    description: 'sender of mail',
  }),
  PUBLIC_URL: Type.String({
    pattern: '^https?://',
    default: 'http://localhost:8080',
    description: 'where users open the web app; links in mail and SSO redirects start with it',
  }),
  SHUTDOWN_GRACE_MS: Type.Integer({
    minimum: 0,
    default: 10_000,
    description: 'time in-flight requests get to finish on SIGTERM',
  }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 72_000,
    description: "HTTP keep-alive; longer than nginx's upstream keepalive_timeout",
  }),
});

export type BaseConfig = Static<typeof baseConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

interface DescribedSchema {
  type?: string;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: { const?: unknown }[];
}

function describeExpectation(schema: unknown): string {
  const described = schema as DescribedSchema;
  if (described.anyOf) return `one of ${described.anyOf.map((option) => String(option.const)).join(', ')}`;
  if (described.pattern) return `a value matching ${described.pattern}`;
  if (described.type === 'integer' || described.type === 'number') {
    const range = [
      described.minimum === undefined ? '' : ` >= ${described.minimum}`,
      described.maximum === undefined ? '' : ` <= ${described.maximum}`,
    ].join('');
    return `${described.type === 'integer' ? 'an integer' : 'a number'}${range} (${described.description ?? ''})`;
  }
  if (described.type === 'boolean') return 'true or false';
  return described.description ?? 'a valid value';
}

/**
 * Parses env once against a TypeBox schema that is also the config's type: empty strings count as unset,
 * numbers are coerced, defaults applied, and every bad variable is named with what it expects.
 */
export function parseConfig<S extends TObject>(schema: S, env: Env = process.env): Readonly<Static<S>> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim();
  }
  const converted = Value.Convert(schema, Value.Default(schema, { ...raw }));
  const problems = [...Value.Errors(schema, converted)].map((error) => {
    const name = error.path.replace(/^\//, '');
    const given = raw[name];
    const expectation = describeExpectation(schema.properties[name] ?? error.schema);
    return given === undefined
      ? `${name} is required: expected ${expectation}`
      : `${name}=${JSON.stringify(given)} is invalid: expected ${expectation}`;
  });
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const config = converted as Static<S> & {
    DATABASE_URL?: string;
    DATABASE_READ_URL?: string;
    DATABASE_PASSWORD_FILE?: string;
  };
  if (config.DATABASE_URL && config.DATABASE_PASSWORD_FILE) {
    config.DATABASE_URL = withPassword(config.DATABASE_URL, config.DATABASE_PASSWORD_FILE);
  }
  // A streaming replica is a copy of the primary: the same roles, the same password.
  if (config.DATABASE_READ_URL && config.DATABASE_PASSWORD_FILE) {
    config.DATABASE_READ_URL = withPassword(config.DATABASE_READ_URL, config.DATABASE_PASSWORD_FILE);
  }
  return Object.freeze(config);
}

function withPassword(databaseUrl: string, passwordFile: string): string {
  let password: string;
  try {
    password = readFileSync(passwordFile, 'utf8').trim();
  } catch {
    throw new ConfigError([
      `DATABASE_PASSWORD_FILE=${passwordFile} cannot be read: expected a readable file`,
    ]);
  }
  const url = new URL(databaseUrl);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** For entry points: parse, or print what is wrong and stop the process. */
export function loadConfig<S extends TObject>(schema: S, env: Env = process.env): Readonly<Static<S>> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** A service's schema: the base keys plus its own; an own key replaces the base key of that name (PORT). */
export function extendConfigSchema<P extends TProperties>(own: TObject<P>) {
  type Base = typeof baseConfigSchema.properties;
  return Type.Object<Omit<Base, keyof P> & P>({ ...baseConfigSchema.properties, ...own.properties });
}
