import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { AppError, ConfigError, type Database } from '@lectern/kit';
import { canonicalEmail, normalizeEmail } from './credentials.policy.js';
import { hashPassword, OWASP_ARGON2ID, type PasswordHashParameters } from './password.hasher.js';
import { UsersRepository } from './users.repository.js';
import { insertAccount, toAccount, type Account, type NewAccount } from './users.service.js';

export interface AccountOptions {
  /** argon2id parameters; OWASP's by default. */
  parameters?: PasswordHashParameters;
}

/**
 * Creates an account with any role (student by default), its address taken as verified (an operator vouches for
 * it), under the same rules as sign-up: email trimmed,
 * validated and lower-cased, password 8-128 characters after NFC, argon2id. Throws AppErrors: 409 email_taken,
 * 422 validation_failed. For seeding and tools; the HTTP sign-up never takes a role.
 */
export function createAccount(
  database: Database,
  input: NewAccount,
  options: AccountOptions = {},
): Promise<Account> {
  const parameters = options.parameters ?? OWASP_ARGON2ID;
  return insertAccount(new UsersRepository(database.db), (password) => hashPassword(password, parameters), {
    emailVerified: true,
    ...input,
  });
}

/** The accounts with these emails (normalized as sign-up does), by id. */
export async function findAccounts(database: Database, emails: string[]): Promise<Account[]> {
  const found = await new UsersRepository(database.db).findByEmails(emails.map(canonicalEmail));
  return found.map(toAccount);
}

/** Deletes the accounts with these emails, their sessions with them; answers the emails that existed. */
export function deleteAccounts(database: Database, emails: string[]): Promise<string[]> {
  return new UsersRepository(database.db).deleteByEmails(emails.map(canonicalEmail));
}

/** ensureAdmin was asked to create an account but given no password and not allowed to generate one. */
export class AdminPasswordMissingError extends Error {
  constructor(email: string) {
    super(`${email} has no account yet and no password was given to create it with`);
    this.name = 'AdminPasswordMissingError';
  }
}

export interface EnsureAdminResult {
  account: Account;
  /** False when the account existed: it was promoted (if needed) and its password left alone. */
  created: boolean;
  /** Set when the account was created with a generated password: show it once, it is stored nowhere else. */
  generatedPassword?: string;
}

/** A password nobody will guess: 144 random bits, 24 characters. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Makes `email` an admin: promotes the account if it exists (its password unchanged), otherwise creates it
 * with `password`, or with a generated one when `password` is undefined and `generate` is set.
 */
export async function ensureAdmin(
  database: Database,
  input: { email: string; password?: string | undefined; generate?: boolean },
  options: AccountOptions = {},
): Promise<EnsureAdminResult> {
  const users = new UsersRepository(database.db);
  const email = normalizeEmail(input.email);
  const promote = async (): Promise<EnsureAdminResult | undefined> => {
    const existing = await users.findByEmail(email);
    if (!existing) return undefined;
    const user = existing.role === 'admin' ? existing : await users.setRole(existing.id, 'admin');
    return user ? { account: toAccount(user), created: false } : undefined;
  };

  const promoted = await promote();
  if (promoted) return promoted;
  const generatedPassword = input.password === undefined && input.generate ? generatePassword() : undefined;
  const password = input.password ?? generatedPassword;
  if (password === undefined) throw new AdminPasswordMissingError(email);
  try {
    const account = await createAccount(database, { email, password, role: 'admin' }, options);
    return generatedPassword === undefined
      ? { account, created: true }
      : { account, created: true, generatedPassword };
  } catch (error) {
    // Another replica created it between our lookup and insert: promote theirs.
    if (error instanceof AppError && error.code === 'email_taken') {
      const raced = await promote();
      if (raced) return raced;
    }
    throw error;
  }
}

export interface AdminBootstrapConfig {
  ADMIN_EMAIL?: string | undefined;
  ADMIN_PASSWORD?: string | undefined;
  ADMIN_PASSWORD_FILE?: string | undefined;
  PASSWORD_HASH_MEMORY_KIB: number;
  PASSWORD_HASH_TIME_COST: number;
  PASSWORD_HASH_PARALLELISM: number;
}

/**
 * ADMIN_EMAIL at start: that account becomes admin, created with ADMIN_PASSWORD (or ADMIN_PASSWORD_FILE) when
 * missing. An existing account keeps its password. Does nothing without ADMIN_EMAIL; throws ConfigError when
 * the settings cannot be honoured. Safe to run on every replica at every start.
 */
export async function bootstrapAdmin(
  database: Database,
  config: AdminBootstrapConfig,
): Promise<EnsureAdminResult | undefined> {
  if (!config.ADMIN_EMAIL) return undefined;
  const password = config.ADMIN_PASSWORD ?? (await adminPasswordFile(config.ADMIN_PASSWORD_FILE));
  try {
    return await ensureAdmin(
      database,
      { email: config.ADMIN_EMAIL, password },
      { parameters: hashParameters(config) },
    );
  } catch (error) {
    if (error instanceof AdminPasswordMissingError) {
      throw new ConfigError([
        `ADMIN_EMAIL=${config.ADMIN_EMAIL} has no account yet: set ADMIN_PASSWORD or ADMIN_PASSWORD_FILE to create it`,
      ]);
    }
    if (error instanceof AppError && error.fieldErrors) {
      const setting = { 'body.email': 'ADMIN_EMAIL', 'body.password': 'ADMIN_PASSWORD' } as Record<
        string,
        string
      >;
      throw new ConfigError(
        error.fieldErrors.map((field) => `${setting[field.field] ?? field.field} ${field.message}`),
      );
    }
    throw error;
  }
}

export function hashParameters(config: {
  PASSWORD_HASH_MEMORY_KIB: number;
  PASSWORD_HASH_TIME_COST: number;
  PASSWORD_HASH_PARALLELISM: number;
}): PasswordHashParameters {
  return {
    memoryCost: config.PASSWORD_HASH_MEMORY_KIB,
    timeCost: config.PASSWORD_HASH_TIME_COST,
    parallelism: config.PASSWORD_HASH_PARALLELISM,
  };
}

/**
 * Password hashes running at once: PASSWORD_HASH_CONCURRENCY, else libuv's threads but no more than the cores.
 * More memory-hard hashes at once than cores only makes each slower (docs/2026-11-27-request-hot-path.md).
 */
export function hashConcurrency(config: {
  PASSWORD_HASH_CONCURRENCY?: number | undefined;
  UV_THREADPOOL_SIZE: number;
}): number {
  return config.PASSWORD_HASH_CONCURRENCY ?? Math.min(config.UV_THREADPOOL_SIZE, availableParallelism());
}

async function adminPasswordFile(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch {
    throw new ConfigError([`ADMIN_PASSWORD_FILE=${path} cannot be read: expected a readable file`]);
  }
}
