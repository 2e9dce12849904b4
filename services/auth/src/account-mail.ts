import type { MailMessage } from '@lectern/kit';
import type { Locale } from './users.repository.js';

export type AccountMailKind = 'password_reset' | 'email_verification';

interface Wording {
  subject: string;
  intro: string;
  action: string;
  outro: string;
}

const wordings: Record<AccountMailKind, Record<Locale, Wording>> = {
  password_reset: {
    en: {
      subject: 'Reset your Lectern password',
      intro: 'Someone (hopefully you) asked to reset the password of your Lectern account.',
      action: 'Choose a new password',
      outro:
        'The link works once, for 30 minutes. If you did not ask for it, ignore this mail: your password stays as it is.',
    },
    ru: {
      subject: 'Сброс пароля Lectern',
      intro: 'Кто-то (надеемся, вы) попросил сбросить пароль вашей учётной записи Lectern.',
      action: 'Задать новый пароль',
      outro:
        'Ссылка действует один раз в течение 30 минут. Если вы не просили сброс, просто удалите это письмо: пароль останется прежним.',
    },
  },
  email_verification: {
    en: {
      subject: 'Confirm your e-mail for Lectern',
      intro: 'Welcome to Lectern! Please confirm that this address is yours.',
      action: 'Confirm e-mail',
      outro: 'If you did not create an account, ignore this mail.',
    },
    ru: {
      subject: 'Подтвердите e-mail в Lectern',
      intro: 'Добро пожаловать в Lectern! Подтвердите, пожалуйста, что этот адрес ваш.',
      action: 'Подтвердить e-mail',
      outro: 'Если вы не создавали учётную запись, просто удалите это письмо.',
    },
  },
};

/** Where each mail's link leads in the web app; the token rides in the fragment, which no server logs. */
const pages: Record<AccountMailKind, string> = {
  password_reset: '/account/reset-password',
  email_verification: '/account/verify-email',
};

export function accountLink(publicUrl: string, kind: AccountMailKind, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${pages[kind]}#token=${encodeURIComponent(token)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The mail in the user's language, as plain text and as HTML with the same words. */
export function accountMail(kind: AccountMailKind, locale: Locale, to: string, link: string): MailMessage {
  const wording = wordings[kind][locale];
  const text = `${wording.intro}\n\n${wording.action}: ${link}\n\n${wording.outro}\n\nLectern\n`;
  const html = [
    `<!doctype html><html lang="${locale}"><body style="font-family: sans-serif; line-height: 1.5">`,
    `<p>${escapeHtml(wording.intro)}</p>`,
    `<p><a href="${escapeHtml(link)}" style="display: inline-block; padding: 10px 18px; background: #2457c5; color: #fff; text-decoration: none; border-radius: 6px">${escapeHtml(wording.action)}</a></p>`,
    `<p style="font-size: 13px; color: #555">${escapeHtml(link)}</p>`,
    `<p>${escapeHtml(wording.outro)}</p>`,
    '<p>Lectern</p></body></html>',
  ].join('\n');
  return { to, subject: wording.subject, text, html };
}
