import { Type, type Static } from '@sinclair/typebox';
import { extendConfigSchema } from '@lectern/kit';

/** The assessments service's settings: the kit's base keys plus these. Env names are the keys. */
export const assessmentsConfigSchema = extendConfigSchema(
  Type.Object({
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'port to listen on' }),
    COURSES_URL: Type.String({
      pattern: '^https?://',
      default: 'http://127.0.0.1:3000',
      description: "the courses service's base URL, for its /internal/courses endpoints",
    }),
    PROGRESS_URL: Type.String({
      pattern: '^https?://',
      default: 'http://127.0.0.1:3000',
      description: "the progress service's base URL, for its /internal/progress endpoints",
    }),
    INTERNAL_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 2000,
      description: 'how long a call to courses or progress may take before assessments answers 503',
    }),
    ASSESSMENTS_AUTOSAVE_BATCH_MAX: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 500,
      description: 'most autosaves written by one group-commit transaction',
    }),
    ASSESSMENTS_AUTOSAVE_WINDOW_MS: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 2,
      description: 'how long the first autosave of an idle batcher waits for others to join its transaction',
    }),
    ASSESSMENTS_AUTOSAVE_WRITES: Type.Integer({
      minimum: 1,
      maximum: 16,
      default: 2,
      description: 'autosave group-commit transactions in flight at once per process',
    }),
    ASSESSMENTS_SWEEP_INTERVAL_MS: Type.Integer({
      minimum: 50,
      maximum: 600_000,
      default: 1000,
      description:
        'how often the server closes attempts past their deadline and grace (0 load when none are)',
    }),
    ASSESSMENTS_SWEEP_BATCH: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 200,
      description: 'most overdue attempts one sweep closes; the next sweep takes the rest',
    }),
    ASSESSMENTS_OUTBOX_INTERVAL_MS: Type.Integer({
      minimum: 50,
      maximum: 600_000,
      default: 1000,
      description: 'how often pending lesson completions of passed quizzes are sent to progress',
    }),
    ASSESSMENTS_OUTBOX_MAX_DELAY_MS: Type.Integer({
      minimum: 100,
      maximum: 86_400_000,
      default: 300_000,
      description:
        'longest wait between retries of a completion progress did not accept (backoff doubles up to it)',
    }),
  }),
);

export type AssessmentsConfig = Static<typeof assessmentsConfigSchema>;
