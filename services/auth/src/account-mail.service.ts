import { createHash, randomBytes } from 'node:crypto';
import type { JobQueue } from '@lectern/kit';
import type { AccountMailKind } from './account-mail.js';
import type { AccountMailPayload } from './jobs/account-mail.job.js';
import { accountMailQueue } from './jobs/account-mail.job.js';
import type { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import type { Executor, Locale } from './users.repository.js';

/** 256 random bits, base64url: 43 characters. */
const mailTokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function isMailTokenShaped(token: string): boolean {
  return mailTokenPattern.test(token);
}

export function hashMailToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

const MINUTE_MS = 60_000;
const lifetimesMs: Record<AccountMailKind, number> = {
  password_reset: 30 * MINUTE_MS,
  email_verification: 48 * 60 * MINUTE_MS,
};

export interface AccountMailServiceOptions {
  tokens: OneTimeTokensRepository;
  jobs: JobQueue;
  /** Mails one address may be sent per hour (ACCOUNT_MAIL_PER_HOUR); past it requests are answered but mail nothing. */
  perHour: number;
}

/** Issues the single-use tokens that account mail carries and queues the mail, within the caller's transaction. */
export class AccountMailService {
  constructor(private readonly options: AccountMailServiceOptions) {}

  /**
   * Stores a new token (hashed) for the user and queues its mail, unless the address had its hourly share of
   * mail already. Answers whether a mail was queued.
   */
  async issue(
    tx: Executor,
    user: { id: number; email: string; locale: Locale },
    kind: AccountMailKind,
  ): Promise<boolean> {
    const { tokens, jobs, perHour } = this.options;
    const sent = await tokens.countSince(user.id, new Date(Date.now() - 60 * MINUTE_MS), tx);
    if (sent >= perHour) return false;
    const token = randomBytes(32).toString('base64url');
    await tokens.insert(
      {
        tokenHash: hashMailToken(token),
        purpose: kind,
        userId: user.id,
        expiresAt: new Date(Date.now() + lifetimesMs[kind]),
      },
      tx,
    );
    const payload: AccountMailPayload = { kind, to: user.email, locale: user.locale, token };
    await jobs.enqueue(tx, accountMailQueue, payload);
    return true;
  }
}
