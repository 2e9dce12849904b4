/**
 * End to end, the browser rows of the security review (docs/2026-11-30-security.md): hostile lesson markdown
 * neither blanks nor freezes the app (row 7), and the session lives in an HttpOnly cookie plus memory, never in
 * storage a script could read (row 11).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BROWSER_SUITE, PASSWORD, poll, signIn, suffix, TEST_TIMEOUT_MS, useHarness } from './harness.js';

/** How late the sign-out's answer arrives in the slow sign-out step. */
const SLOW_LOGOUT_MS = 1_500;

const harness = useHarness();
const { openSession, expectCleanSessions } = harness;

const MAX_NESTING = 8;

/** How deep `tag` elements nest inside the lesson's content. */
function depthOf(page: Page, tag: string): Promise<number> {
  return page.getByTestId('lesson-content').evaluate((root, name) => {
    let deepest = 0;
    for (const element of root.querySelectorAll(name)) {
      let depth = 0;
      for (let node: Element | null = element; node !== null && node !== root; node = node.parentElement) {
        if (node.tagName.toLowerCase() === name) depth += 1;
      }
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  }, tag);
}

/** The own text (not the nested lists') of the lesson's `index`th list item, or null. */
function listText(page: Page, index: number): Promise<string | null> {
  return page.getByTestId('lesson-content').evaluate((root, at) => {
    const item = root.querySelectorAll('li')[at];
    if (item === undefined) return null;
    return [...item.childNodes]
      .filter((node) => node.nodeType === Node.TEXT_NODE || node.nodeName === 'P')
      .map((node) => node.textContent ?? '')
      .join('')
      .trim();
  }, index);
}

/** The page answers a script at once: its main thread is not stuck in rendering. */
async function responsive(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.readyState)).toBe('complete');
}

describe('security in Chromium', BROWSER_SUITE, () => {
  it(
    'when lessons are 5,000 ">" characters and ~640 KB of nested lists, then each shows (bounded, with a notice where cut) and the app stays usable',
    async () => {
      const id = suffix();
      const quotes = '>'.repeat(5000);
      // Each line one level deeper than the one before: 800 levels, about 650 KB, the quadratic case.
      const lists = Array.from({ length: 800 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
      expect(lists.length).toBeGreaterThan(640_000);
      const course = await harness.api.createCourse(harness.adminToken, {
        title: `Hostile markdown ${id}`,
        description: 'Lessons no reader should suffer from.',
        published: true,
      });
      const plain = await harness.api.addLesson(harness.adminToken, course.id, {
        title: `Plain ${id}`,
        content: 'An ordinary lesson.',
      });
      const quoted = await harness.api.addLesson(harness.adminToken, course.id, {
        title: `Quotes ${id}`,
        content: quotes,
      });
      const nested = await harness.api.addLesson(harness.adminToken, course.id, {
        title: `Lists ${id}`,
        content: lists,
      });

      const session = await openSession();
      const { page } = session;
      const lessonPath = (lessonId: number) => `/courses/${course.id}/lessons/${lessonId}`;

      // 5,000 ">": at most MAX_NESTING quotes, the page around it intact.
      await page.goto(lessonPath(quoted.id));
      await poll(() => page.getByTestId('lesson-title').textContent()).toBe(quoted.title);
      await page.getByTestId('lesson-content').waitFor({ state: 'attached' });
      expect(await depthOf(page, 'blockquote')).toBeLessThanOrEqual(MAX_NESTING);
      expect(await page.getByTestId('lesson-unreadable').count()).toBe(0);
      await responsive(page);

      // On to the lists through the app's own link: formatted up to the cap, the rest as text after a notice.
      await page.getByTestId('next-lesson').click();
      await poll(() => page.getByTestId('lesson-title').textContent()).toBe(nested.title);
      const content = page.getByTestId('lesson-content');
      await poll(() => listText(page, 0)).toBe('item 0');
      expect(await depthOf(page, 'ul')).toBeLessThanOrEqual(MAX_NESTING * 2 + 1);
      const notice = page.getByTestId('markdown-truncated');
      await poll(() => notice.textContent()).toMatch(
        /^This lesson is too long to format in full: the first [\d,]+ of its [\d,]+ characters are formatted, the rest is shown below as plain text\.$/,
      );
      expect(await notice.getAttribute('role')).toBe('note');
      const rest = await page.getByTestId('markdown-plain').textContent();
      expect(rest).toContain('- item 799');
      expect(await page.getByTestId('lesson-unreadable').count()).toBe(0);
      await responsive(page);

      // Away and back: the app still navigates and shows the lesson again.
      await page.getByTestId('nav-catalog').click();
      await page.getByTestId('course-card').first().waitFor();
      await page.goBack();
      await poll(() => page.getByTestId('lesson-title').textContent()).toBe(nested.title);
      await poll(() => listText(page, 0)).toBe('item 0');
      await page.getByTestId('prev-lesson').click();
      await poll(() => page.getByTestId('lesson-title').textContent()).toBe(quoted.title);
      await page.getByTestId('prev-lesson').click();
      await poll(() => page.getByTestId('lesson-title').textContent()).toBe(plain.title);
      await poll(async () => (await content.textContent())?.trim()).toBe('An ordinary lesson.');
      expect(await page.getByTestId('markdown-truncated').count()).toBe(0);

      // In Russian, the notice too.
      await page.goto(lessonPath(nested.id));
      await page.getByTestId('lang-switch').selectOption('ru');
      await poll(() => page.getByTestId('markdown-truncated').textContent()).toMatch(/^Урок слишком длинный/);

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when a user signs in and reloads, then the HttpOnly refresh cookie alone restores the session and no token is in storage; after signing out a reload stays signed out and the old cookie is refused, and a slow sign-out does not end the next sign-in',
    async () => {
      const email = `e2e-session-${suffix()}@example.com`;
      await harness.api.register(email, PASSWORD);
      const session = await openSession();
      const { page, context } = session;
      await page.goto('/login');
      await signIn(session, email, PASSWORD);

      const storage = () =>
        page.evaluate(() =>
          [localStorage, sessionStorage].flatMap((store) =>
            Object.keys(store).map((key) => `${key}=${store.getItem(key) ?? ''}`),
          ),
        );
      const refreshCookies = async () =>
        (await context.cookies()).filter((cookie) => cookie.name === 'lectern_refresh');

      // The refresh token is an HttpOnly, SameSite=Strict cookie script cannot see; storage holds no token.
      const cookies = await refreshCookies();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) {
        expect(cookie.httpOnly).toBe(true);
        expect(cookie.sameSite).toBe('Strict');
        expect(cookie.path.startsWith('/api/auth/')).toBe(true);
      }
      const refreshToken = cookies[0]?.value ?? '';
      expect(refreshToken.length).toBeGreaterThan(10);
      expect(await page.evaluate(() => document.cookie)).not.toContain('lectern_refresh');
      const stored = await storage();
      expect(stored.join('\n')).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
      expect(stored.join('\n')).not.toContain(refreshToken);

      // A reload keeps the user signed in: the cookie is all it has.
      await page.reload();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
      const afterReload = await storage();
      expect(afterReload.join('\n')).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
      const rotated = (await refreshCookies())[0]?.value ?? '';
      expect(afterReload.join('\n')).not.toContain(rotated);

      // Signing out ends it, even with a reload at once: the page stays signed out, the cookie that was there goes
      // (the sign-out's answer clears it, and may arrive after the reload), and the server refuses it.
      await page.getByTestId('logout-button').click();
      await page.getByTestId('nav-login').waitFor();
      await page.reload();
      await page.getByTestId('nav-login').waitFor();
      expect(await page.getByTestId('user-email').count()).toBe(0);
      await poll(async () => (await refreshCookies()).some((cookie) => cookie.value === rotated)).toBe(false);
      const refused = await page.request.post('/api/auth/refresh', {
        headers: {
          'content-type': 'application/json',
          'x-refresh-token-mode': 'cookie',
          cookie: `lectern_refresh=${rotated}`,
        },
        data: '{}',
      });
      expect(refused.status()).toBe(401);
      expect(refused.headers()['content-type']).toMatch(/^application\/problem\+json/);

      // Signing out on a slow network and straight back in: the sign-out's late answer clears the refresh cookie, so
      // the sign-in waits for it; the new session's cookie stays and a reload keeps the user signed in.
      await page.getByTestId('nav-login').click();
      await signIn(session, email, PASSWORD);
      await page.route('**/api/auth/logout', async (route) => {
        await new Promise((resolve) => setTimeout(resolve, SLOW_LOGOUT_MS));
        await route.continue();
      });
      const loggedOut = page.waitForResponse((response) => response.url().endsWith('/api/auth/logout'));
      await page.getByTestId('logout-button').click();
      await page.getByTestId('nav-login').click();
      await signIn(session, email, PASSWORD);
      await loggedOut;
      expect((await refreshCookies()).length).toBeGreaterThan(0);
      await page.reload();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );
});
