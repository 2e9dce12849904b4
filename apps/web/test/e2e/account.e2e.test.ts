/**
 * End to end, in Chromium against the all-in-one platform: the mail the platform sends reaches a real SMTP
 * server started here, and the test follows its links the way a user would.
 */
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from '@lectern/kit/testing';
import { describe, expect, it } from 'vitest';
import { snapshot } from './browser.js';
import { BROWSER_SUITE, suffix, useHarness } from './harness.js';

const TEST_TIMEOUT_MS = 180_000;

function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 20_000, interval: 100 });
}

function linkIn(mail: ReceivedMail, page: string): string {
  const match = new RegExp(`(http://127\\.0\\.0\\.1:\\d+${page}#token=[A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match?.[1]) throw new Error(`no ${page} link in: ${mail.text}`);
  return match[1];
}

let smtp: TestSmtpServer | undefined;
const harness = useHarness(async () => {
  const server = await startTestSmtpServer();
  smtp = server;
  return {
    platform: { readyTimeoutMs: 200_000, env: { SMTP_URL: server.url, PUBLIC_URL: 'http://127.0.0.1:0' } },
    tearDown: () => server.stop(),
  };
});
const { openSession, expectCleanSessions } = harness;

describe('accounts by mail in Chromium', BROWSER_SUITE, () => {
  it(
    'when a student registers, then a banner asks to confirm the e-mail until the mailed link is followed',
    async () => {
      if (!smtp) throw new Error('not started');
      const email = `e2e-verify-${suffix()}@example.com`;
      const session = await openSession({ locale: 'ru-RU' });
      const { page } = session;
      await page.goto('/register');
      await page.getByTestId('register-email').fill(email);
      await page.getByTestId('register-password').fill('correct-horse-battery-9');
      await page.getByTestId('register-submit').click();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
      await page.getByTestId('verify-banner').waitFor();
      await snapshot(session, 'account-verify-banner', (shown) => shown.getByTestId('verify-banner'));

      const mail = await smtp.waitForMail(email);
      expect(mail.subject).toBe('Подтвердите e-mail в Lectern');
      const link = linkIn(mail, '/account/verify-email').replace(
        /^http:\/\/127\.0\.0\.1:\d+/,
        harness.baseUrl,
      );
      await page.goto(link);
      await page.getByTestId('verify-done').waitFor();
      await page.goto('/');
      // No banner while the account is still loading either: wait for the user before saying it is gone for good.
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
      expect(await page.getByTestId('verify-banner').count()).toBe(0);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when a user forgets the password, then the mailed link sets a new one and the old session ends',
    async () => {
      if (!smtp) throw new Error('not started');
      const email = `e2e-reset-${suffix()}@example.com`;
      const oldPassword = 'correct-horse-battery-9';
      const newPassword = 'a-brand-new-passphrase-7';
      const response = await fetch(`${harness.baseUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: oldPassword }),
      });
      expect(response.status).toBe(201);
      const login = await fetch(`${harness.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: oldPassword }),
      });
      const { refresh_token: oldRefreshToken } = (await login.json()) as { refresh_token: string };
      await smtp.waitForMail(email);

      // The spent link, followed again at the end, is refused: that 400 is expected.
      const session = await openSession({
        expectedFailures: [{ status: 400, path: /^\/api\/auth\/password\/reset$/ }],
      });
      const { page } = session;
      await page.goto('/login');
      await page.getByTestId('to-forgot').click();
      await page.getByTestId('forgot-email').fill(email);
      await snapshot(session, 'account-forgot', (shown) => shown.getByTestId('forgot-form'));
      const since = smtp.received.length;
      await page.getByTestId('forgot-submit').click();
      await page.getByTestId('forgot-sent').waitFor();

      const mail = await smtp.waitForMail(email, { since });
      const link = linkIn(mail, '/account/reset-password').replace(
        /^http:\/\/127\.0\.0\.1:\d+/,
        harness.baseUrl,
      );
      await page.goto(link);
      await page.getByTestId('reset-password').fill(newPassword);
      await snapshot(session, 'account-reset', (shown) => shown.getByTestId('reset-form'));
      await page.getByTestId('reset-submit').click();
      await page.getByTestId('reset-done').waitFor();

      const refreshed = await fetch(`${harness.baseUrl}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: oldRefreshToken }),
      });
      expect(refreshed.status).toBe(401);

      // The same link again, as a fresh visit: it is spent.
      await page.goto('/');
      await page.goto(link);
      await page.getByTestId('reset-password').fill('yet-another-passphrase-5');
      await page.getByTestId('reset-submit').click();
      await page.getByTestId('reset-invalid').waitFor();

      await page.goto('/login');
      await page.getByTestId('login-email').fill(email);
      await page.getByTestId('login-password').fill(newPassword);
      await page.getByTestId('login-submit').click();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );
});
