import { Type, type Static } from '@sinclair/typebox';
import { extendConfigSchema } from '@lectern/kit';

const ownKeys = Type.Object({
  COURSES_PUBLIC_MAX_AGE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 60,
    default: 1,
    description:
      "Cache-Control max-age of anonymous catalog reads: how stale nginx's copy may be after a write",
  }),
  COURSES_STALE_IF_ERROR_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 60,
    description:
      'Cache-Control stale-if-error of anonymous catalog reads: how long after max-age nginx may answer with its copy while courses cannot be reached',
  }),
});

/** The kit's keys (PORT defaulting to 3000, as for every service process) plus the courses service's own. */
export const coursesConfigSchema = Type.Composite([
  Type.Omit(extendConfigSchema(ownKeys), ['PORT']),
  Type.Object({
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'port to listen on' }),
  }),
]);

export type CoursesConfig = Static<typeof coursesConfigSchema>;
