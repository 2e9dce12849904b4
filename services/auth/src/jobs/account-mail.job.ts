import type { JobDefinition, Mailer } from '@lectern/kit';
import { accountLink, accountMail, type AccountMailKind } from '../account-mail.js';
import type { Locale } from '../users.repository.js';

export const accountMailQueue = 'auth-mail';

export interface AccountMailPayload {
  kind: AccountMailKind;
  to: string;
  locale: Locale;
  /** The token itself: the mail is the only place it goes, the database keeps its hash. */
  token: string;
}

/** Sends a password-reset or verification mail; a server that is down fails the run and the queue retries. */
export function accountMailJob(options: {
  mailer: Mailer;
  publicUrl: string;
}): JobDefinition<AccountMailPayload> {
  return {
    queue: accountMailQueue,
    async handle(payload, context) {
      const link = accountLink(options.publicUrl, payload.kind, payload.token);
      await options.mailer.send(accountMail(payload.kind, payload.locale, payload.to, link));
      context.log.info(
        { event: 'mail_sent', kind: payload.kind, job_id: context.id, attempt: context.attempt },
        'account mail handed to the mail server',
      );
    },
  };
}
