import { fileURLToPath } from 'node:url';
import { runMigrations, type Database } from '@lectern/kit';

/** Applies the progress schema's migrations (from src/ in tests, from dist/ once built). */
export function migrateProgress(database: Database) {
  return runMigrations(database, {
    service: 'progress',
    folder: fileURLToPath(new URL('../migrations', import.meta.url)),
  });
}
