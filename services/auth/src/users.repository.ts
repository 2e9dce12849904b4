import { containsPattern, type Db, type Role } from '@lectern/kit';
import { and, asc, count, eq, ilike, inArray, notExists, sql } from 'drizzle-orm';
import { users } from './db/schema.js';

/** A drizzle handle: the database itself or a transaction on it. */
export type Executor = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export interface UserRecord {
  id: number;
  email: string;
  role: Role;
  /** Null for an account made by single sign-on that never set a password. */
  passwordHash: string | null;
  emailVerifiedAt: Date | null;
  locale: Locale;
  sessionVersion: number;
  createdAt: Date;
}

export type Locale = 'en' | 'ru';

const columns = {
  id: users.id,
  email: users.email,
  role: users.role,
  passwordHash: users.passwordHash,
  emailVerifiedAt: users.emailVerifiedAt,
  locale: users.locale,
  sessionVersion: users.sessionVersion,
  createdAt: users.createdAt,
};

export class UsersRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** The new user, or undefined when the email is taken (the unique index decides, so concurrent inserts agree). */
  async insert(
    user: {
      email: string;
      passwordHash: string | null;
      role: Role;
      locale?: Locale;
      emailVerifiedAt?: Date;
    },
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

  async findByEmails(emails: string[]): Promise<UserRecord[]> {
    if (emails.length === 0) return [];
    return this.db.select(columns).from(users).where(inArray(users.email, emails)).orderBy(asc(users.id));
  }

  /** Deletes these accounts (their refresh tokens go with them); answers the emails that were there. */
  async deleteByEmails(emails: string[]): Promise<string[]> {
    if (emails.length === 0) return [];
    const rows = await this.db
      .delete(users)
      .where(inArray(users.email, emails))
      .returning({ email: users.email });
    return rows.map((row) => row.email);
  }

  /** Accounts whose stored email has a non-ASCII character: the only ones a change of normalization can move. */
  async nonAsciiEmails(): Promise<{ id: number; email: string }[]> {
    return this.db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(sql`octet_length(${users.email}) <> char_length(${users.email})`);
  }

  /** False when another account already has `email`. */
  async setEmail(id: number, email: string): Promise<boolean> {
    const [row] = await this.db
      .update(users)
      .set({ email, updatedAt: sql`now()` })
      .where(and(eq(users.id, id), notExists(this.db.select().from(users).where(eq(users.email, email)))))
      .returning({ id: users.id });
    return row !== undefined;
  }

  async findById(id: number, executor: Executor = this.db): Promise<UserRecord | undefined> {
    const [row] = await executor.select(columns).from(users).where(eq(users.id, id)).limit(1);
    return row;
  }

  /** The e-mails of these accounts, by id; unknown ids are left out. */
  async emailsOf(ids: readonly number[]): Promise<{ id: number; email: string }[]> {
    if (ids.length === 0) return [];
    return this.db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(inArray(users.id, [...ids]))
      .orderBy(asc(users.id));
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

  async setPasswordHash(id: number, passwordHash: string, executor: Executor = this.db): Promise<void> {
    await executor
      .update(users)
      .set({ passwordHash, updatedAt: sql`now()` })
      .where(eq(users.id, id));
  }

  async markEmailVerified(id: number, executor: Executor = this.db): Promise<void> {
    await executor
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`, updatedAt: sql`now()` })
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

  /** Ends every access token issued before: requireCurrentRole refuses an older version. */
  async bumpSessionVersion(id: number, executor: Executor = this.db): Promise<void> {
    await executor
      .update(users)
      .set({ sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: sql`now()` })
      .where(eq(users.id, id));
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
