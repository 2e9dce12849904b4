import { createMailer, type Database, type JobQueue, type MailLog, type Mailer } from '@lectern/kit';
import { AccountMailService } from '../account-mail.service.js';
import type { AuthConfig } from '../config.js';
import { OneTimeTokensRepository } from '../one-time-tokens.repository.js';
import { UsersRepository } from '../users.repository.js';
import { accountMailJob } from './account-mail.job.js';
import { passwordResetRequestJob } from './password-reset-request.job.js';

export type AuthJobsConfig = Pick<
  AuthConfig,
  'SMTP_URL' | 'MAIL_FROM' | 'DATA_DIR' | 'PUBLIC_URL' | 'ACCOUNT_MAIL_PER_HOUR'
>;

export function accountMailService(config: AuthJobsConfig, database: Database, jobs: JobQueue) {
  return new AccountMailService({
    tokens: new OneTimeTokensRepository(database.db),
    jobs,
    perHour: config.ACCOUNT_MAIL_PER_HOUR,
  });
}

/**
 * Registers the auth service's jobs on `jobs`: the API process needs their queues to enqueue, the worker (or the
 * all-in-one process) also runs them. Answers the mailer, for the caller to close.
 */
export async function registerAuthJobs(
  jobs: JobQueue,
  options: { config: AuthJobsConfig; database: Database; log: MailLog },
): Promise<Mailer> {
  const { config, database, log } = options;
  const mailer = createMailer({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    dataDir: config.DATA_DIR,
    log,
  });
  await jobs.register(accountMailJob({ mailer, publicUrl: config.PUBLIC_URL }));
  await jobs.register(
    passwordResetRequestJob({
      users: new UsersRepository(database.db),
      accountMail: accountMailService(config, database, jobs),
    }),
  );
  return mailer;
}
