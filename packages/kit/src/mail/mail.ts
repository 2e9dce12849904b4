import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailLog {
  info(details: Record<string, unknown>, message: string): void;
}

export interface MailerOptions {
  /** smtp(s)://…; undefined writes each mail to the log and `dataDir`/mail as .eml. */
  smtpUrl?: string | undefined;
  from: string;
  dataDir: string;
  log: MailLog;
}

export interface Mailer {
  /** Where mail goes: `smtp`, or `file` (the log and DATA_DIR/mail). */
  readonly delivery: 'smtp' | 'file';
  /** Resolves once the server (or the file) took the mail; throws when it did not, so the job is retried. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Where mail lands without SMTP_URL. */
export function mailFolder(dataDir: string): string {
  return resolve(dataDir.startsWith('memory://') ? '.data' : dataDir, 'mail');
}

/** Sends with nodemailer over SMTP, or, with no SMTP server configured, keeps every mail as an .eml file. */
export function createMailer(options: MailerOptions): Mailer {
  if (options.smtpUrl !== undefined) return smtpMailer(options.smtpUrl, options.from);
  return fileMailer(options);
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport: Transporter = nodemailer.createTransport({
    url: smtpUrl,
    // A server that does not answer fails the attempt soon; the job queue retries it later.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    delivery: 'smtp',
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}

function fileMailer(options: MailerOptions): Mailer {
  const folder = mailFolder(options.dataDir);
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    delivery: 'file',
    async send(message) {
      const info = (await composer.sendMail({ from: options.from, ...message })) as { message: Buffer };
      await mkdir(folder, { recursive: true });
      const path = join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
      await writeFile(path, info.message, { mode: 0o600 });
      options.log.info(
        { event: 'mail_written', to: message.to, subject: message.subject, file: path, text: message.text },
        'no SMTP_URL: mail written to a file instead of sent',
      );
    },
    close: () => composer.close(),
  };
}
