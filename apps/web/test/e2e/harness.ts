/**
 * What every browser test file shares: the all-in-one platform and Chromium started once per file (on the real
 * PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, shared with other tests: every email and title carries a
 * random suffix), an admin account, sessions closed after each test, and helpers.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { Api, type Account } from './api.js';
import { launchBrowser, Session, type SessionOptions } from './browser.js';
import { ensureBuilt, startPlatform, type Platform, type PlatformOptions } from './platform.js';

export const TEST_TIMEOUT_MS = 120_000;

/**
 * A browser test that fails runs once more before it fails the suite (docs/2026-11-30-browser-tests-retry-once.md).
 * Every failed attempt is printed (see useHarness), so a test that passes only on its second attempt still shows.
 */
export const BROWSER_SUITE = { retry: 1 } as const;
export const PASSWORD = 'correct-horse-battery-9';

export function suffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** expect.poll with a timeout that suits a browser on a busy 2-core machine. */
export function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 15_000, interval: 100 });
}

export async function signIn(session: Session, email: string, password: string): Promise<void> {
  const { page } = session;
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
}

/** The lesson ids on a page, in document order, from elements carrying `data-lesson-id`. */
export function lessonIds(page: Page, testId: string): Promise<number[]> {
  return page
    .getByTestId(testId)
    .evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-lesson-id'))));
}

/** Form controls and buttons in <main> that a screen reader would announce without a name. */
export function unnamedControls(page: Page): Promise<string[]> {
  return page.locator('main').evaluate((main) =>
    [...main.querySelectorAll<HTMLElement>('input, select, textarea, button')]
      .filter((element) => {
        const labels = (element as HTMLInputElement).labels;
        const named =
          (labels !== null && labels.length > 0) ||
          element.getAttribute('aria-label') !== null ||
          element.getAttribute('aria-labelledby') !== null ||
          (element.tagName === 'BUTTON' && element.textContent.trim() !== '');
        return !named;
      })
      .map((element) => element.outerHTML.slice(0, 120)),
  );
}

/** Prints every failed attempt of the file's tests, so one that passes on its retry (BROWSER_SUITE) still shows. */
export function reportFailedAttempts(): void {
  beforeEach((context) => {
    context.onTestFailed(({ task }) => {
      const error = task.result?.errors?.[0];
      console.error(
        `[e2e] FLAKE OR FAILURE: attempt ${(task.result?.retryCount ?? 0) + 1} of "${task.name}" failed: ${error?.message ?? 'unknown error'}`,
      );
    });
  });
}

/** What a test file starts before the platform (a mail server, an OpenID provider), and how the platform finds it. */
export interface HarnessSetup {
  platform?: Pick<PlatformOptions, 'port' | 'env' | 'readyTimeoutMs'>;
  /** Stops what the setup started, after the platform has stopped. */
  tearDown?: () => Promise<void>;
}

export interface Harness {
  /** The platform's URL, e.g. for requests made outside the browser. */
  readonly baseUrl: string;
  readonly api: Api;
  readonly adminToken: string;
  readonly admin: { email: string; password: string };
  /** A registered account with a token; a `role` other than student is granted by the admin. */
  account: (
    name: string,
    role?: 'student' | 'instructor',
  ) => Promise<Account & { email: string; token: string }>;
  openSession: (options?: SessionOptions) => Promise<Session>;
  /** No console error (other than the declared 4xx), no uncaught error, no browser dialog in any session. */
  expectCleanSessions: () => void;
}

/**
 * Registers the file's hooks; the returned harness is usable inside tests (after beforeAll). `setUp` runs first, in
 * beforeAll, for what the platform needs to reach.
 */
export function useHarness(setUp?: () => Promise<HarnessSetup>): Harness {
  const admin = { email: `e2e-admin-${suffix()}@example.com`, password: 'admin-password-e2e-1' };
  let platform: Platform | undefined;
  let browser: Browser | undefined;
  let api: Api | undefined;
  let adminToken: string | undefined;
  const sessions: Session[] = [];

  let tearDown: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ensureBuilt();
    const setup = setUp === undefined ? {} : await setUp();
    tearDown = setup.tearDown;
    const [started, launched] = await Promise.allSettled([
      startPlatform({ adminEmail: admin.email, adminPassword: admin.password, ...setup.platform }),
      launchBrowser(),
    ]);
    if (started.status === 'fulfilled') platform = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    api = new Api(started.value.baseUrl);
    adminToken = await api.login(admin.email, admin.password);
  }, 240_000);

  reportFailedAttempts();

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await tearDown?.();
  }, 30_000);

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the platform or browser did not start');
    return value;
  };

  return {
    get baseUrl() {
      return started(platform).baseUrl;
    },
    get api() {
      return started(api);
    },
    get adminToken() {
      return started(adminToken);
    },
    admin,
    async account(name, role = 'student') {
      const email = `e2e-${name}-${suffix()}@example.com`;
      const created = await started(api).register(email, PASSWORD);
      if (role !== 'student') await started(api).setRole(started(adminToken), created.id, role);
      const token = await started(api).login(email, PASSWORD);
      return { ...created, email, token };
    },
    async openSession(options) {
      const session = await Session.open(started(browser), started(platform).baseUrl, options);
      sessions.push(session);
      return session;
    },
    expectCleanSessions() {
      const problems = sessions.flatMap((session) => session.problems);
      const failed = sessions.flatMap((session) => session.failedResponses);
      expect(problems, `4xx/5xx responses seen: ${failed.join('; ') || 'none'}`).toEqual([]);
    },
  };
}
