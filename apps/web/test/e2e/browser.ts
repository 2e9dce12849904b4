import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Locator,
  type Page,
} from 'playwright-core';
import { expect } from 'vitest';
import { repoRoot } from './platform.js';

export const DESKTOP = { width: 1280, height: 800 } as const;
export const NARROW = { width: 360, height: 740 } as const;

export const screenshotDir = join(repoRoot, '.test-output', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A request that fails on purpose (e.g. a 404 the page expects); Chromium logs it as a console error. */
export interface ExpectedFailure {
  status: number;
  /** Matched against the request's path and query. */
  path: RegExp;
}

export interface SessionOptions {
  locale?: string;
  expectedFailures?: readonly ExpectedFailure[];
}

/**
 * A browser context (one user: its own localStorage) whose every page is watched: console errors, uncaught page
 * errors and browser dialogs (alert/confirm/prompt) end up in `problems`; a dialog is dismissed at once.
 */
export class Session {
  readonly problems: string[] = [];
  /** Every 4xx/5xx response any page received, for failure messages. */
  readonly failedResponses: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly expected: readonly ExpectedFailure[],
  ) {}

  static async open(browser: Browser, baseURL: string, options: SessionOptions = {}): Promise<Session> {
    const context = await browser.newContext({
      baseURL,
      viewport: DESKTOP,
      locale: options.locale ?? 'en-US',
      timezoneId: 'UTC',
    });
    context.setDefaultTimeout(20_000);
    context.setDefaultNavigationTimeout(30_000);
    const page = await context.newPage();
    const session = new Session(context, page, options.expectedFailures ?? []);
    session.watch(page);
    context.on('page', (opened) => session.watch(opened));
    return session;
  }

  private isExpected(message: ConsoleMessage): boolean {
    const match = /^Failed to load resource: the server responded with a status of (4\d\d)\b/.exec(
      message.text(),
    );
    if (match === null) return false;
    const status = Number(match[1]);
    let path: string;
    try {
      const url = new URL(message.location().url);
      path = url.pathname + url.search;
    } catch {
      return false;
    }
    return this.expected.some((failure) => failure.status === status && failure.path.test(path));
  }

  private watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() !== 'error' || this.isExpected(message)) return;
      const where = message.location().url;
      this.problems.push(`console error on ${page.url()}: ${message.text()}${where ? ` (${where})` : ''}`);
    });
    page.on('pageerror', (error) => {
      this.problems.push(`uncaught error on ${page.url()}: ${error.stack ?? error.message}`);
    });
    page.on('dialog', (dialog) => {
      this.problems.push(`browser dialog (${dialog.type()}) on ${page.url()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => undefined);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) {
        this.failedResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
      }
    });
  }

  byTestId(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

/**
 * A full-page shot from the top (a full-page shot of a scrolled page draws the sticky header midway), once fonts
 * and layout have settled.
 */
async function shoot(page: Page, name: string, width: 'desktop' | '360'): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await settle(page);
  await page.screenshot({
    path: join(screenshotDir, `${name}-${width}.png`),
    fullPage: true,
    animations: 'disabled',
  });
}

async function expectNoSidewaysScroll(page: Page, name: string): Promise<void> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `${name} scrolls sideways at ${NARROW.width} px`).toBeLessThanOrEqual(NARROW.width);
}

/**
 * Saves `<name>-desktop.png` of the page as it is (1280×800), then opens the same URL in a second tab of the same
 * session at 360×740 (so the layout is what a phone gets on load) and saves `<name>-360.png`. `ready` names what
 * must be visible before the shot. Fails when the page scrolls sideways at 360 px.
 */
export async function snapshot(
  session: Session,
  name: string,
  ready: (page: Page) => Locator,
): Promise<void> {
  const { page } = session;
  await ready(page).first().waitFor();
  await shoot(page, name, 'desktop');

  const narrow = await session.context.newPage();
  try {
    await narrow.setViewportSize(NARROW);
    await narrow.goto(page.url());
    await ready(narrow).first().waitFor();
    await shoot(narrow, name, '360');
    await expectNoSidewaysScroll(narrow, name);
  } finally {
    await narrow.close();
  }
}

/**
 * Like `snapshot`, for states a reload would lose (an error shown after a request): the same tab is narrowed to
 * 360 px for the second shot, then widened again.
 */
export async function snapshotInPlace(
  session: Session,
  name: string,
  ready: (page: Page) => Locator,
): Promise<void> {
  const { page } = session;
  await ready(page).first().waitFor();
  await shoot(page, name, 'desktop');
  await page.setViewportSize(NARROW);
  try {
    await shoot(page, name, '360');
    await expectNoSidewaysScroll(page, name);
  } finally {
    await page.setViewportSize(DESKTOP);
  }
}
