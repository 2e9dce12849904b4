import type { Db } from '@lectern/kit';
import { and, count, eq, gt, gte, isNull, sql } from 'drizzle-orm';
import { oneTimeTokens } from './db/schema.js';
import type { Executor } from './users.repository.js';

export type TokenPurpose = 'password_reset' | 'email_verification';

export class OneTimeTokensRepository {
  constructor(private readonly db: Db) {}

  async insert(
    token: { tokenHash: string; purpose: TokenPurpose; userId: number; expiresAt: Date },
    executor: Executor = this.db,
  ): Promise<void> {
    await executor.insert(oneTimeTokens).values(token);
  }

  /**
   * Spends a live token of this purpose and answers its user; undefined when it is unknown, expired or already
   * spent. The update takes the row lock, so of two requests with one token exactly one wins.
   */
  async spend(tokenHash: string, purpose: TokenPurpose, executor: Executor): Promise<number | undefined> {
    const [row] = await executor
      .update(oneTimeTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(oneTimeTokens.tokenHash, tokenHash),
          eq(oneTimeTokens.purpose, purpose),
          isNull(oneTimeTokens.usedAt),
          gt(oneTimeTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: oneTimeTokens.userId });
    return row?.userId;
  }

  /** Spends every other live token of the user for this purpose (a reset makes older reset links useless). */
  async spendAllOfUser(userId: number, purpose: TokenPurpose, executor: Executor): Promise<void> {
    await executor
      .update(oneTimeTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(oneTimeTokens.userId, userId),
          eq(oneTimeTokens.purpose, purpose),
          isNull(oneTimeTokens.usedAt),
        ),
      );
  }

  /** How many tokens (so mails) the user was sent since `since`, whatever their purpose. */
  async countSince(userId: number, since: Date, executor: Executor = this.db): Promise<number> {
    const [row] = await executor
      .select({ sent: count() })
      .from(oneTimeTokens)
      .where(and(eq(oneTimeTokens.userId, userId), gte(oneTimeTokens.createdAt, since)));
    return row?.sent ?? 0;
  }

  /** Forgets tokens that expired before `before`. */
  async deleteExpired(before: Date): Promise<void> {
    await this.db.delete(oneTimeTokens).where(sql`${oneTimeTokens.expiresAt} < ${before}`);
  }
}
