import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'drizzle-kit';

/** drizzle-kit resolves paths from the working directory: these hold from the repository root and from here. */
const fromHere = (path: string) =>
  relative(process.cwd(), fileURLToPath(new URL(path, import.meta.url))) || '.';

export default defineConfig({
  dialect: 'postgresql',
  schema: fromHere('./src/db/schema.ts'),
  out: fromHere('./migrations'),
  schemaFilter: ['courses'],
});
