import { authConfigSchema } from '@lectern/auth';
import { progressConfigSchema } from '@lectern/progress';
import { baseConfigSchema } from '@lectern/kit';
import { Type, type Static } from '@sinclair/typebox';

/** The worker runs every service's job handlers, so it understands their settings; it listens on 3000 like them. */
export const workerConfigSchema = Type.Object({
  ...authConfigSchema.properties,
  ...progressConfigSchema.properties,
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'port to listen on' }),
});

export type WorkerConfig = Static<typeof workerConfigSchema>;
