import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { authErrors } from './auth.errors.js';
import { ConcurrencyLimit, OverloadedError } from './concurrency-limit.js';

export interface PasswordHashParameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's argon2id recommendation (m=19 MiB, t=2, p=1). */
export const OWASP_ARGON2ID: Readonly<PasswordHashParameters> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/** One argon2id hash, uncapped: for the CLI and seeding, where nothing else competes for the pool. */
export function hashPassword(
  password: string,
  parameters: PasswordHashParameters = OWASP_ARGON2ID,
): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, ...parameters });
}

export interface PasswordHasherOptions {
  parameters: PasswordHashParameters;
  /** Hashes running at once: about libuv's thread pool size, where argon2 runs. */
  concurrency: number;
  /** Hashes waiting for a slot; one more is refused with a 503. */
  maxWaiting: number;
}

/**
 * argon2id off the event loop (argon2 runs in libuv's pool) behind a concurrency cap, so a login flood cannot
 * grow an unbounded queue or starve the pool's other users (fs, dns.lookup): past the cap callers get a 503.
 */
export class PasswordHasher {
  private admitted = 0;

  private constructor(
    private readonly options: PasswordHasherOptions,
    private readonly limit: ConcurrencyLimit,
    /** A hash of a random secret with the same parameters: unknown emails are verified against it. */
    private readonly dummyHash: string,
  ) {}

  static async create(options: PasswordHasherOptions): Promise<PasswordHasher> {
    const limit = new ConcurrencyLimit(options.concurrency, options.maxWaiting);
    const dummyHash = await hashPassword(randomBytes(32).toString('base64url'), options.parameters);
    return new PasswordHasher(options, limit, dummyHash);
  }

  get load(): { active: number; queued: number } {
    return { active: this.limit.active, queued: this.limit.queued };
  }

  /**
   * Runs one sign-in attempt (its account lookup, then its verification) as admitted work: at most as many
   * attempts are in flight as may hash or wait, and the next one gets the 503 at once, before it costs a
   * database query. The same for every caller, so it tells nothing about accounts.
   */
  async admit<T>(attempt: () => Promise<T>): Promise<T> {
    if (this.admitted >= this.options.concurrency + this.options.maxWaiting) throw authErrors.hashingBusy();
    this.admitted += 1;
    try {
      return await attempt();
    } finally {
      this.admitted -= 1;
    }
  }

  hash(password: string): Promise<string> {
    return this.capped(() => hashPassword(password, this.options.parameters));
  }

  /**
   * True when `password` matches `hash`. With no hash (no such account) it still verifies, against the dummy
   * hash, and answers false: the caller spends the same time either way.
   */
  verify(hash: string | undefined, password: string): Promise<boolean> {
    return this.capped(async () => {
      try {
        const matches = await argon2.verify(hash ?? this.dummyHash, password);
        return matches && hash !== undefined;
      } catch {
        // A malformed stored hash is a wrong password, not a 500 that would tell this account apart.
        return false;
      }
    });
  }

  /** True when `hash` was made with other parameters than today's, so a successful login should rehash. */
  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, this.options.parameters);
    } catch {
      return true;
    }
  }

  private async capped<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await this.limit.run(task);
    } catch (error) {
      if (error instanceof OverloadedError) throw authErrors.hashingBusy();
      throw error;
    }
  }
}
