import type { Role } from '@lectern/kit';
import type { AccountMailService } from './account-mail.service.js';
import { authErrors } from './auth.errors.js';
import { normalizeEmail, normalizePassword } from './credentials.policy.js';
import type { PasswordHasher } from './password.hasher.js';
import type { SessionsService } from './sessions.service.js';
import type { Executor, Locale, UserRecord, UsersRepository } from './users.repository.js';

/** A user as the API shows it. */
export interface Account {
  id: number;
  email: string;
  role: Role;
  email_verified: boolean;
  locale: Locale;
  created_at: string;
}

export interface NewAccount {
  email: string;
  password: string;
  role?: Role;
  locale?: Locale | undefined;
  /** Accounts made by operators' tools start verified; sign-ups prove their address by mail. */
  emailVerified?: boolean;
}

export function toAccount(user: UserRecord): Account {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    email_verified: user.emailVerifiedAt !== null,
    locale: user.locale,
    created_at: user.createdAt.toISOString(),
  };
}

/** Runs inside the transaction that inserted the user, e.g. to queue its verification mail. */
export type AfterInsert = (user: UserRecord, tx: Executor) => Promise<unknown>;

/** Validates and normalizes the credentials, hashes the password and stores the user; 409 when the email is taken. */
export async function insertAccount(
  users: UsersRepository,
  hashPassword: (password: string) => Promise<string>,
  input: NewAccount,
  afterInsert?: AfterInsert,
): Promise<Account> {
  const email = normalizeEmail(input.email);
  const password = normalizePassword(input.password, { enforceMinimum: true });
  // Hashed before the insert decides, so a taken email costs the same time as a new one.
  const passwordHash = await hashPassword(password);
  const user = await users.transaction(async (tx) => {
    const inserted = await users.insert(
      {
        email,
        passwordHash,
        role: input.role ?? 'student',
        locale: input.locale ?? 'en',
        ...(input.emailVerified ? { emailVerifiedAt: new Date() } : {}),
      },
      tx,
    );
    if (inserted && afterInsert) await afterInsert(inserted, tx);
    return inserted;
  });
  if (!user) throw authErrors.emailTaken();
  return toAccount(user);
}

export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly accountMail: AccountMailService,
  ) {}

  /** Self-service sign-up: always a student, with a verification mail queued in the same transaction. */
  register(input: { email: string; password: string; locale?: Locale | undefined }): Promise<Account> {
    return insertAccount(
      this.users,
      (password) => this.hasher.hash(password),
      { ...input, role: 'student' },
      (user, tx) => this.accountMail.issue(tx, user, 'email_verification'),
    );
  }

  /** The caller's account as stored now; 401 when it was deleted after the token was issued. */
  /** For other services (progress's roster): e-mails by id, without roles or hashes. */
  async emailsOf(ids: readonly number[]): Promise<{ id: number; email: string }[]> {
    return this.users.emailsOf(ids);
  }

  async profile(userId: number): Promise<Account> {
    const user = await this.users.findById(userId);
    if (!user) throw authErrors.accountGone();
    return toAccount(user);
  }

  async page(options: {
    limit: number;
    offset: number;
    emailContains?: string | undefined;
  }): Promise<{ accounts: Account[]; total: number }> {
    const { users, total } = await this.users.page(options);
    return { accounts: users.map(toAccount), total };
  }

  /**
   * Sets a user's role; the last admin cannot be demoted, so the platform always keeps one. A real change ends
   * the user's sessions, so no token issued under the old role acts on it.
   */
  async changeRole(id: number, role: Role): Promise<Account> {
    const { account, changed } = await this.users.transaction(async (tx) => {
      const admins = role === 'admin' ? [] : await this.users.lockAdmins(tx);
      if (admins.length === 1 && admins[0] === id) throw authErrors.lastAdmin();
      const before = await this.users.findById(id, tx);
      if (!before) throw authErrors.userNotFound(id);
      if (before.role === role) return { account: toAccount(before), changed: false };
      const user = await this.users.setRole(id, role, tx);
      if (!user) throw authErrors.userNotFound(id);
      await this.sessions.endAllSessionsIn(tx, id);
      return { account: toAccount(user), changed: true };
    });
    if (changed) await this.sessions.sessionsEnded(id);
    return account;
  }
}
