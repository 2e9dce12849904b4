import { fileURLToPath } from 'node:url';
import { runMigrations, type Database } from '@lectern/kit';

/** Applies the auth schema's migrations (idempotent; replicas wait on an advisory lock). */
export function migrateAuth(database: Database) {
  return runMigrations(database, {
    service: 'auth',
    folder: fileURLToPath(new URL('../migrations', import.meta.url)),
  });
}
