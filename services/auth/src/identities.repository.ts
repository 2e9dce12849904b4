import type { Db } from '@lectern/kit';
import { and, eq } from 'drizzle-orm';
import { identities } from './db/schema.js';
import type { Executor } from './users.repository.js';

/** Accounts at OpenID Connect providers: (provider, subject) → the Lectern user it signs in as. */
export class IdentitiesRepository {
  constructor(private readonly db: Db) {}

  async findUserId(
    provider: string,
    subject: string,
    executor: Executor = this.db,
  ): Promise<number | undefined> {
    const [row] = await executor
      .select({ userId: identities.userId })
      .from(identities)
      .where(and(eq(identities.provider, provider), eq(identities.subject, subject)))
      .limit(1);
    return row?.userId;
  }

  /** False when the identity is already linked (to anyone): the unique index decides, so concurrent links agree. */
  async link(
    identity: { provider: string; subject: string; userId: number },
    executor: Executor = this.db,
  ): Promise<boolean> {
    const rows = await executor
      .insert(identities)
      .values(identity)
      .onConflictDoNothing({ target: [identities.provider, identities.subject] })
      .returning({ id: identities.id });
    return rows.length > 0;
  }
}
