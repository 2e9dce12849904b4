import type { AccountMailService } from './account-mail.service.js';
import { hashMailToken, isMailTokenShaped } from './account-mail.service.js';
import { authErrors } from './auth.errors.js';
import type { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import type { UsersRepository } from './users.repository.js';

export class EmailVerificationService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: OneTimeTokensRepository,
    private readonly accountMail: AccountMailService,
  ) {}

  /** Marks the token's address verified; 400 invalid_token when it is unknown, expired or spent. */
  async verify(token: string): Promise<void> {
    if (!isMailTokenShaped(token)) throw authErrors.invalidMailToken();
    const verified = await this.users.transaction(async (tx) => {
      const userId = await this.tokens.spend(hashMailToken(token), 'email_verification', tx);
      if (userId !== undefined) await this.users.markEmailVerified(userId, tx);
      return userId !== undefined;
    });
    if (!verified) throw authErrors.invalidMailToken();
  }

  /** Mails a new verification link, unless the address is verified already or was mailed enough this hour. */
  async resend(userId: number): Promise<void> {
    await this.users.transaction(async (tx) => {
      const user = await this.users.findById(userId, tx);
      if (!user) throw authErrors.accountGone();
      if (user.emailVerifiedAt === null) await this.accountMail.issue(tx, user, 'email_verification');
    });
  }
}
