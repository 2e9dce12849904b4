import { fileURLToPath } from 'node:url';
import { runMigrations, type Database } from '@lectern/kit';
import { canonicalEmail } from './credentials.policy.js';
import { UsersRepository } from './users.repository.js';

/** Applies the auth schema's migrations (idempotent; replicas wait on an advisory lock), then renormalizes emails. */
export async function migrateAuth(database: Database): Promise<void> {
  await runMigrations(database, {
    service: 'auth',
    folder: fileURLToPath(new URL('../migrations', import.meta.url)),
  });
  await renormalizeEmails(database);
}

/**
 * Rewrites stored emails into today's canonical form (NFKC and case folding came after NFC and lower case).
 * Only non-ASCII addresses can change, so this reads a handful of rows. An address whose new form another
 * account already holds is left as it is: the other account wins that spelling, and neither is lost.
 */
async function renormalizeEmails(database: Database): Promise<void> {
  const users = new UsersRepository(database.db);
  for (const { id, email } of await users.nonAsciiEmails()) {
    const canonical = canonicalEmail(email);
    if (canonical !== email) await users.setEmail(id, canonical);
  }
}
