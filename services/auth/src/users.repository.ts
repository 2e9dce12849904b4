import { containsPattern, type Db, type Role } from '@lectern/kit';
import { asc, count, eq, ilike, sql } from 'drizzle-orm';
import { users } from './db/schema.js';

/** A drizzle handle: the database itself or a transaction on it. */
export type Executor = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export interface UserRecord {
  id: number;
  email: string;
  role: Role;
  passwordHash: string;
  createdAt: Date;
}

const columns = {
  id: users.id,
  email: users.email,
  role: users.role,
  passwordHash: users.passwordHash,
  createdAt: users.createdAt,
};

export class UsersRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** The new user, or undefined when the email is taken (the unique index decides, so concurrent inserts agree). */
  async insert(
    user: { email: string; passwordHash: string; role: Role },
    executor: Executor = this.db,
  ): Promise<UserRecord | undefined> {
    const [row] = await executor
      .insert(users)
      .values(user)
      .onConflictDoNothing({ target: users.email })
      .returning(columns);
    return row;
  }

  async findByEmail(email: string, executor: Executor = this.db): Promise<UserRecord | undefined> {
    const [row] = await executor.select(columns).from(users).where(eq(users.email, email)).limit(1);
    return row;
  }

  async findById(id: number, executor: Executor = this.db): Promise<UserRecord | undefined> {
    const [row] = await executor.select(columns).from(users).where(eq(users.id, id)).limit(1);
    return row;
  }

  /** A page of accounts by id; `emailContains` keeps those whose email contains it, in any case. */
  async page(options: {
    limit: number;
    offset: number;
    emailContains?: string | undefined;
  }): Promise<{ users: UserRecord[]; total: number }> {
    const matching =
      options.emailContains === undefined
        ? undefined
        : ilike(users.email, containsPattern(options.emailContains));
    const [rows, totals] = await Promise.all([
      this.db
        .select(columns)
        .from(users)
        .where(matching)
        .orderBy(asc(users.id))
        .limit(options.limit)
        .offset(options.offset),
      this.db.select({ total: count() }).from(users).where(matching),
    ]);
    return { users: rows, total: totals[0]?.total ?? 0 };
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.db
      .update(users)
      .set({ passwordHash, updatedAt: sql`now()` })
      .where(eq(users.id, id));
  }

  async setRole(id: number, role: Role, executor: Executor = this.db): Promise<UserRecord | undefined> {
    const [row] = await executor
      .update(users)
      .set({ role, updatedAt: sql`now()` })
      .where(eq(users.id, id))
      .returning(columns);
    return row;
  }

  /**
   * The admins' ids, their rows locked until the transaction ends: two admins demoting each other at once then
   * run one after the other, and the second sees that only one admin is left.
   */
  async lockAdmins(executor: Executor): Promise<number[]> {
    const rows = await executor
      .select({ id: users.id })
      .from(users)
      .where(eq(users.role, 'admin'))
      .for('update');
    return rows.map((row) => row.id);
  }
}
