import type { JobQueue } from '@lectern/kit';
import { hashMailToken, isMailTokenShaped } from './account-mail.service.js';
import { authErrors } from './auth.errors.js';
import { normalizeEmail, normalizePassword } from './credentials.policy.js';
import {
  passwordResetRequestQueue,
  type PasswordResetRequestPayload,
} from './jobs/password-reset-request.job.js';
import type { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import type { PasswordHasher } from './password.hasher.js';
import type { SecurityLog, SessionsService } from './sessions.service.js';
import type { UsersRepository } from './users.repository.js';

export interface PasswordResetServiceOptions {
  users: UsersRepository;
  tokens: OneTimeTokensRepository;
  sessions: SessionsService;
  hasher: PasswordHasher;
  jobs: JobQueue;
  log: SecurityLog & { info(details: Record<string, unknown>, message: string): void };
}

export class PasswordResetService {
  constructor(private readonly options: PasswordResetServiceOptions) {}

  /**
   * "Forgot password": queues a job that mails a reset link if the address has an account. The request itself
   * does one insert whatever the address, so neither its answer nor its timing tells accounts apart.
   */
  async requestReset(rawEmail: string): Promise<void> {
    const { users, jobs } = this.options;
    const payload: PasswordResetRequestPayload = { email: normalizeEmail(rawEmail) };
    await users.transaction((tx) => jobs.enqueue(tx, passwordResetRequestQueue, payload));
  }

  /**
   * Sets a new password with a reset token: the token and every other reset token of the user are spent, every
   * session of the user ends (refresh tokens revoked, older access tokens refused on writes), and the address counts as verified (the mail reached its owner).
   */
  async reset(token: string, rawPassword: string): Promise<void> {
    const { users, tokens, sessions, hasher, log } = this.options;
    const password = normalizePassword(rawPassword, { enforceMinimum: true });
    if (!isMailTokenShaped(token)) throw authErrors.invalidMailToken();
    const passwordHash = await hasher.hash(password);
    const reset = await users.transaction(async (tx) => {
      const userId = await tokens.spend(hashMailToken(token), 'password_reset', tx);
      if (userId === undefined) return undefined;
      await users.setPasswordHash(userId, passwordHash, tx);
      await users.markEmailVerified(userId, tx);
      await tokens.spendAllOfUser(userId, 'password_reset', tx);
      await sessions.endAllSessionsIn(tx, userId);
      return { userId };
    });
    if (!reset) throw authErrors.invalidMailToken();
    await sessions.sessionsEnded(reset.userId);
    log.info(
      { event: 'password_reset', user_id: reset.userId },
      'password reset by mail; every session of the user ended',
    );
  }
}
