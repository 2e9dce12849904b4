import type { JobDefinition } from '@lectern/kit';
import type { AccountMailService } from '../account-mail.service.js';
import type { UsersRepository } from '../users.repository.js';

export const passwordResetRequestQueue = 'auth-password-reset-request';

export interface PasswordResetRequestPayload {
  /** Canonical address as typed; it may belong to nobody. */
  email: string;
}

/**
 * Looks the address up and, when it has an account, issues a reset token and queues its mail. Done here rather
 * than in the request, so the request does the same work whether or not the account exists.
 */
export function passwordResetRequestJob(options: {
  users: UsersRepository;
  accountMail: AccountMailService;
}): JobDefinition<PasswordResetRequestPayload> {
  return {
    queue: passwordResetRequestQueue,
    async handle(payload) {
      await options.users.transaction(async (tx) => {
        const user = await options.users.findByEmail(payload.email, tx);
        if (user) await options.accountMail.issue(tx, user, 'password_reset');
      });
    },
  };
}
