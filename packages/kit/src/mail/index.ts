export {
  createMailer,
  mailFolder,
  type MailLog,
  type Mailer,
  type MailerOptions,
  type MailMessage,
} from './mail.js';
