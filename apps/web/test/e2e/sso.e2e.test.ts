/**
 * Single sign-on end to end, in Chromium against the all-in-one platform: a real OpenID provider runs here, on
 * 127.0.0.2 so that its redirect back to the platform (on 127.0.0.1) is a cross-site navigation, as in real life.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestOidcProvider, type TestOidcProvider } from '@lectern/kit/testing';
import { describe, expect, it } from 'vitest';
import { snapshot } from './browser.js';
import { BROWSER_SUITE, poll, suffix, TEST_TIMEOUT_MS, unnamedControls, useHarness } from './harness.js';
import { freePort } from './platform.js';

/** A sign-out on a slow network: its answer arrives after the next sign-in has started. */
const SLOW_LOGOUT_MS = 1_500;

let provider: TestOidcProvider | undefined;
const { openSession, expectCleanSessions } = useHarness(async () => {
  // The provider sends the browser back to the platform's callback: the platform's URL is known before it starts.
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const started = await startTestOidcProvider({
    redirectUris: [`${publicUrl}/api/auth/oidc/uni/callback`],
    hostname: '127.0.0.2',
  });
  provider = started;
  const configDir = mkdtempSync(join(tmpdir(), 'lectern-e2e-sso-'));
  writeFileSync(join(configDir, 'uni.secret'), started.clientSecret);
  writeFileSync(
    join(configDir, 'providers.json'),
    JSON.stringify([
      {
        id: 'uni',
        name: 'University',
        issuer: started.issuer,
        client_id: started.clientId,
        client_secret_file: 'uni.secret',
      },
    ]),
  );
  return {
    platform: {
      port,
      readyTimeoutMs: 200_000,
      env: { PUBLIC_URL: publicUrl, OIDC_PROVIDERS_FILE: join(configDir, 'providers.json') },
    },
    tearDown: async () => {
      await started.stop();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
});

describe('single sign-on in Chromium', BROWSER_SUITE, () => {
  it(
    'when a learner signs in with the provider, then they land signed in where they were going and stay after a reload',
    async () => {
      if (!provider) throw new Error('not started');
      const subject = `learner-${suffix()}`;
      const email = `e2e-sso-${suffix()}@example.com`;
      provider.accounts.set(subject, { email, email_verified: true, name: 'Ada' });
      const session = await openSession();
      const { page } = session;
      const visited: string[] = [];
      page.on('request', (request) => visited.push(request.url()));

      await page.goto('/login?next=%2Fmy');
      const button = page.getByRole('link', { name: 'Sign in with University' });
      await button.waitFor();
      expect(await unnamedControls(page)).toEqual([]);
      await snapshot(session, 'sso-sign-in', (shown) => shown.getByTestId('sso-providers'));

      await button.click();
      await page.getByLabel('Account').fill(subject);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
      await poll(() => new URL(page.url()).pathname).toBe('/my');

      await page.reload();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);

      const cookies = await session.context.cookies();
      const refresh = cookies.find((cookie) => cookie.name === 'lectern_refresh');
      expect(refresh?.httpOnly).toBe(true);
      const leaked = visited.filter(
        (url) => /token/i.test(url) || (refresh !== undefined && url.includes(refresh.value)),
      );
      expect(leaked).toEqual([]);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when a learner signs out on a slow network and straight back in with the provider, then they stay signed in',
    async () => {
      if (!provider) throw new Error('not started');
      const subject = `returning-${suffix()}`;
      const email = `e2e-sso-back-${suffix()}@example.com`;
      provider.accounts.set(subject, { email, email_verified: true, name: 'Grace' });
      const session = await openSession();
      const { page } = session;
      await page.goto('/login?next=%2Fmy');
      await page.getByRole('link', { name: 'Sign in with University' }).click();
      await page.getByLabel('Account').fill(subject);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);

      // The sign-out's answer clears the refresh cookie. The provider remembers the learner, so the second trip
      // through it is quick: without waiting for the sign-out, its late answer would clear the new session's cookie.
      let answered: () => void = () => undefined;
      const loggedOut = new Promise<void>((resolve) => (answered = resolve));
      await page.route('**/api/auth/logout', async (route) => {
        await new Promise((resolve) => setTimeout(resolve, SLOW_LOGOUT_MS));
        await route.fulfill({ response: await route.fetch() });
        answered();
      });
      await page.getByTestId('logout-button').click();
      await page.getByTestId('nav-login').click();
      await page.getByRole('link', { name: 'Sign in with University' }).click();
      await loggedOut;
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
      await page.reload();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when the learner cancels at the provider, then the page says so in their language and nobody is signed in',
    async () => {
      const session = await openSession({ locale: 'ru-RU' });
      const { page } = session;
      await page.goto('/login');
      await page.getByRole('link', { name: 'Войти через University' }).click();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await poll(() => page.getByTestId('sso-error').textContent()).toContain('Провайдер не выполнил вход');
      expect(await page.getByTestId('user-email').count()).toBe(0);
      await snapshot(session, 'sso-error', (shown) => shown.getByTestId('sso-error'));
      await page.getByTestId('sso-back').click();
      await page.getByTestId('login-form').waitFor();
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );
});
