import { Type, type Static } from '@sinclair/typebox';
import { extendConfigSchema } from '@lectern/kit';

/** The auth service's settings: the kit's base keys plus these. Env names are the keys (see the README table). */
export const authConfigSchema = extendConfigSchema(
  Type.Object({
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'port to listen on' }),
    ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
      minimum: 30,
      maximum: 86_400,
      default: 900,
      description: 'access token lifetime (a role change ends sessions at once on writes and admin routes)',
    }),
    REFRESH_TOKEN_TTL_SECONDS: Type.Integer({
      minimum: 60,
      maximum: 31_536_000,
      default: 2_592_000,
      description: 'refresh token lifetime; every refresh issues a new one with a fresh lifetime',
    }),
    JWT_PRIVATE_KEY_FILE: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'file holding the Ed25519 signing key (PEM, PKCS#8), e.g. a secret',
      }),
    ),
    JWT_PRIVATE_KEY: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'the Ed25519 signing key itself (PEM, PKCS#8; "\\n" allowed)',
      }),
    ),
    JWT_PUBLIC_KEYS_FILE: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'extra verification keys published in the JWKS while keys rotate (PEM blocks or JWKS JSON)',
      }),
    ),
    AUTH_RATE_LIMIT_MAX: Type.Integer({
      minimum: 1,
      default: 10,
      description: 'register and login attempts per window per client IP; login also per email and client IP',
    }),
    AUTH_ACCOUNT_RATE_LIMIT_MAX: Type.Integer({
      minimum: 1,
      default: 100,
      description:
        'login attempts for one email from all IPs together per AUTH_ACCOUNT_RATE_LIMIT_WINDOW_MS: a bound on guessing from many IPs, high enough that strangers cannot lock the owner out with a few tries',
    }),
    AUTH_ACCOUNT_RATE_LIMIT_WINDOW_MS: Type.Integer({
      minimum: 1000,
      default: 900_000,
      description: 'window of AUTH_ACCOUNT_RATE_LIMIT_MAX',
    }),
    AUTH_RATE_LIMIT_WINDOW_MS: Type.Integer({
      minimum: 1000,
      default: 60_000,
      description: 'window of AUTH_RATE_LIMIT_MAX',
    }),
    ACCOUNT_MAIL_PER_HOUR: Type.Integer({
      minimum: 1,
      default: 5,
      description: 'password-reset and verification mails one address may be sent per hour',
    }),
    PASSWORD_HASH_MEMORY_KIB: Type.Integer({
      minimum: 1024,
      default: 19_456,
      description: "argon2id memory cost in KiB (OWASP's 19 MiB)",
    }),
    PASSWORD_HASH_TIME_COST: Type.Integer({ minimum: 1, default: 2, description: 'argon2id iterations' }),
    PASSWORD_HASH_PARALLELISM: Type.Integer({
      minimum: 1,
      maximum: 16,
      default: 1,
      description: 'argon2id lanes',
    }),
    UV_THREADPOOL_SIZE: Type.Integer({
      minimum: 1,
      maximum: 1024,
      default: 4,
      description: "libuv's thread pool (read by Node at start); argon2 hashes there",
    }),
    PASSWORD_HASH_CONCURRENCY: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1024,
        description: 'password hashes running at once; unset = UV_THREADPOOL_SIZE or the CPU count if fewer',
      }),
    ),
    PASSWORD_HASH_QUEUE_MAX: Type.Integer({
      minimum: 0,
      default: 64,
      description: 'password hashes waiting for a slot; past it register/login answer 503 with Retry-After',
    }),
    OIDC_PROVIDERS_FILE: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'JSON file listing the OpenID Connect providers of "Sign in with …" (README: Single sign-on); unset = none',
      }),
    ),
    ADMIN_EMAIL: Type.Optional(
      Type.String({ minLength: 3, description: 'at start: this account becomes admin (created if missing)' }),
    ),
    ADMIN_PASSWORD: Type.Optional(
      Type.String({ minLength: 1, description: "ADMIN_EMAIL's password when the account has to be created" }),
    ),
    ADMIN_PASSWORD_FILE: Type.Optional(
      Type.String({ minLength: 1, description: 'file holding ADMIN_PASSWORD (a secret)' }),
    ),
  }),
);

export type AuthConfig = Static<typeof authConfigSchema>;
