import { fileURLToPath } from 'node:url';
import { runMigrations, type Database } from '@lectern/kit';

/** Applies the assessments schema's migrations (from src/ in tests, from dist/ once built). */
export function migrateAssessments(database: Database) {
  return runMigrations(database, {
    service: 'assessments',
    folder: fileURLToPath(new URL('../migrations', import.meta.url)),
  });
}
