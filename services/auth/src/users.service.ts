import type { Role } from '@lectern/kit';
import { authErrors } from './auth.errors.js';
import { normalizeEmail, normalizePassword } from './credentials.policy.js';
import type { PasswordHasher } from './password.hasher.js';
import type { UserRecord, UsersRepository } from './users.repository.js';

/** A user as the API shows it. */
export interface Account {
  id: number;
  email: string;
  role: Role;
  created_at: string;
}

export interface NewAccount {
  email: string;
  password: string;
  role?: Role;
}

export function toAccount(user: UserRecord): Account {
  return { id: user.id, email: user.email, role: user.role, created_at: user.createdAt.toISOString() };
}

/** Validates and normalizes the credentials, hashes the password and stores the user; 409 when the email is taken. */
export async function insertAccount(
  users: UsersRepository,
  hashPassword: (password: string) => Promise<string>,
  input: NewAccount,
): Promise<Account> {
  const email = normalizeEmail(input.email);
  const password = normalizePassword(input.password, { enforceMinimum: true });
  // Hashed before the insert decides, so a taken email costs the same time as a new one.
  const passwordHash = await hashPassword(password);
  const user = await users.insert({ email, passwordHash, role: input.role ?? 'student' });
  if (!user) throw authErrors.emailTaken();
  return toAccount(user);
}

export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /** Self-service sign-up: always a student. */
  register(input: { email: string; password: string }): Promise<Account> {
    return insertAccount(this.users, (password) => this.hasher.hash(password), { ...input, role: 'student' });
  }

  /** The caller's account as stored now; 401 when it was deleted after the token was issued. */
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

  /** Sets a user's role; the last admin cannot be demoted, so the platform always keeps one. */
  changeRole(id: number, role: Role): Promise<Account> {
    return this.users.transaction(async (tx) => {
      const admins = role === 'admin' ? [] : await this.users.lockAdmins(tx);
      if (admins.length === 1 && admins[0] === id) throw authErrors.lastAdmin();
      const user = await this.users.setRole(id, role, tx);
      if (!user) throw authErrors.userNotFound(id);
      return toAccount(user);
    });
  }
}
