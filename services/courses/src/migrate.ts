import { fileURLToPath } from 'node:url';
import { runMigrations, type Database } from '@lectern/kit';

/** Applies services/courses/migrations (the path holds from src/ and from the dist/ bundle). */
export function migrateCourses(database: Database): Promise<{ applied: string[] }> {
  return runMigrations(database, {
    service: 'courses',
    folder: fileURLToPath(new URL('../migrations', import.meta.url)),
  });
}
