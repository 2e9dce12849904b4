import { assessmentsConfigSchema } from '@lectern/assessments';
import { authConfigSchema } from '@lectern/auth';
import { coursesConfigSchema } from '@lectern/courses';
import { baseConfigSchema } from '@lectern/kit';
import { progressConfigSchema } from '@lectern/progress';
import { Type, type Static } from '@sinclair/typebox';

/**
 * The all-in-one process understands every service's settings; the base keys win where a service sets its own
 * default (services listen on 3000 when run apart, the platform on 8080).
 */
export const platformConfigSchema = Type.Object({
  ...authConfigSchema.properties,
  ...coursesConfigSchema.properties,
  ...progressConfigSchema.properties,
  ...assessmentsConfigSchema.properties,
  ...baseConfigSchema.properties,
  WEB_ROOT: Type.String({ default: 'apps/web/dist', description: 'the built web app served at /' }),
  DEMO_DATA: Type.Optional(
    Type.Boolean({
      description:
        'on first start with an empty catalog, create demo courses and accounts with known passwords; unset = only when NODE_ENV=development; refused in production',
    }),
  ),
});

export type PlatformConfig = Static<typeof platformConfigSchema>;
