import type { Db } from '@lectern/kit';
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { refreshTokens } from './db/schema.js';
import type { Executor } from './users.repository.js';

export interface StoredRefreshToken {
  familyId: string;
  userId: number;
  usedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
}

export class RefreshTokensRepository {
  constructor(private readonly db: Db) {}

  async insert(
    token: { tokenHash: string; familyId: string; userId: number; expiresAt: Date },
    executor: Executor = this.db,
  ): Promise<void> {
    await executor.insert(refreshTokens).values(token);
  }

  /**
   * Marks a live token used and answers its family and user; undefined when it is unknown, expired, revoked or
   * already used. The row lock makes this the single winner among concurrent refreshes with one token.
   */
  async claim(
    tokenHash: string,
    executor: Executor = this.db,
  ): Promise<{ familyId: string; userId: number } | undefined> {
    const [row] = await executor
      .update(refreshTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(refreshTokens.tokenHash, tokenHash),
          isNull(refreshTokens.usedAt),
          isNull(refreshTokens.revokedAt),
          gt(refreshTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({ familyId: refreshTokens.familyId, userId: refreshTokens.userId });
    return row;
  }

  async find(tokenHash: string): Promise<StoredRefreshToken | undefined> {
    const [row] = await this.db
      .select({
        familyId: refreshTokens.familyId,
        userId: refreshTokens.userId,
        usedAt: refreshTokens.usedAt,
        revokedAt: refreshTokens.revokedAt,
        expiresAt: refreshTokens.expiresAt,
      })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1);
    return row;
  }

  /** Revokes every live token of a family; answers how many were live. */
  async revokeFamily(familyId: string): Promise<number> {
    const rows = await this.db
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
      .returning({ familyId: refreshTokens.familyId });
    return rows.length;
  }

  /** Revokes every live token of every family of the user; answers how many were live. */
  async revokeAllOfUser(userId: number, executor: Executor = this.db): Promise<number> {
    const rows = await executor
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
      .returning({ familyId: refreshTokens.familyId });
    return rows.length;
  }

  /** Forgets tokens that expired before `before`, at most `limit` of them; answers how many went. */
  async deleteExpired(before: Date, limit: number): Promise<number> {
    const doomed = this.db
      .select({ id: refreshTokens.id })
      .from(refreshTokens)
      .where(lt(refreshTokens.expiresAt, before))
      .limit(limit);
    const rows = await this.db
      .delete(refreshTokens)
      .where(sql`${refreshTokens.id} in ${doomed}`)
      .returning({ id: refreshTokens.id });
    return rows.length;
  }
}
