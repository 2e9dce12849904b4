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
    COURSES_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 2000,
      description: 'how long a call to the courses service may take before progress answers 503',
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
