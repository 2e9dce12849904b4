import { Type, type Static } from '@sinclair/typebox';
import { extendConfigSchema } from '@lectern/kit';

/** The progress service's settings: the kit's base keys plus these. Env names are the keys. */
export const progressConfigSchema = extendConfigSchema(
  Type.Object({
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'port to listen on' }),
    COURSES_URL: Type.String({
      pattern: '^https?://',
      default: 'http://127.0.0.1:3000',
      description: "the courses service's base URL, for its /internal/courses endpoints",
    }),
    AUTH_URL: Type.String({
      pattern: '^https?://',
      default: 'http://127.0.0.1:3000',
      description: "the auth service's base URL, for its /internal/auth endpoints (the roster's e-mails)",
    }),
    COURSES_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 2000,
      description: 'how long a call to the courses service may take before progress answers 503',
    }),
    PROGRESS_LOOKUP_TTL_WITHOUT_REDIS_MS: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 30_000,
      description:
        'while Redis is away, how long a lesson or outline lookup stays in process (how late progress may see a course change then)',
    }),
    PROGRESS_BATCH_MAX: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 500,
      description: 'most lesson completions written by one group-commit transaction',
    }),
    PROGRESS_BATCH_WRITES: Type.Integer({
      minimum: 1,
      maximum: 16,
      default: 1,
      description: 'group-commit transactions in flight at once per process (more can help on slow fsync)',
    }),
    ENROLL_BATCH_MAX: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 500,
      description: 'most enrolments granted by one seat-counting transaction',
    }),
    CREDENTIAL_PRIVATE_KEY_FILE: Type.Optional(
      Type.String({
        description:
          'file holding the Ed25519 key certificates are signed with (PEM, PKCS#8); unset: generated in DATA_DIR',
      }),
    ),
    CREDENTIAL_PRIVATE_KEY: Type.Optional(
      Type.String({ description: 'the certificate signing key itself (PEM, PKCS#8; "\\n" allowed)' }),
    ),
    CREDENTIAL_PUBLIC_KEYS_FILE: Type.Optional(
      Type.String({
        description:
          'extra public keys published for certificates while keys rotate (PEM blocks or JWKS JSON)',
      }),
    ),
    CERTIFICATE_ISSUER_NAME: Type.String({
      minLength: 1,
      default: 'Lectern',
      description: 'the organisation certificates name as their issuer',
    }),
    PROGRESS_BATCH_WINDOW_MS: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 2,
      description:
        'how long the first completion of an idle batcher waits for others to join its transaction',
    }),
  }),
);

export type ProgressConfig = Static<typeof progressConfigSchema>;
