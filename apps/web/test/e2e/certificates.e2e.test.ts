/**
 * End to end, DESIGN §14 in the browser: a learner completes a course in the UI and gets a certificate, shares
 * and downloads it, anyone verifies it signed out, an admin revokes it; an instructor reads the drop-off funnel.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { snapshot } from './browser.js';
import {
  BROWSER_SUITE,
  PASSWORD,
  poll,
  signIn,
  suffix,
  TEST_TIMEOUT_MS,
  unnamedControls,
  useHarness,
} from './harness.js';

const harness = useHarness();
const { account } = harness;
const { openSession, expectCleanSessions } = harness;

/** The date part the app shows in English for an instant (the browser runs in UTC). */
function shownDate(iso: string): string {
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso));
}

/** Certificates are issued just after the completion commits: reloads until `testId` shows up (30 s at most). */
async function reloadUntilShown(page: Page, testId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await page.getByTestId(testId).first().waitFor({ timeout: 3_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await page.reload();
    }
  }
}

interface PublicCertificate {
  id: string;
  course_title: string;
  learner: string;
  issued_at: string;
  revoked: boolean;
}

describe('certificates and analytics in Chromium', BROWSER_SUITE, () => {
  it(
    'when a learner completes every lesson in the UI, then My learning offers the certificate (page, PDF, link), anyone verifies it signed out, and once an admin revokes it both show it revoked',
    async () => {
      const id = suffix();
      const learner = await account('graduate');
      const title = `Certified course ${id}`;
      const course = await harness.api.createCourse(harness.adminToken, {
        title,
        description: 'Complete it for a certificate.',
        published: true,
      });
      const lessons = [];
      for (const name of ['Start', 'Middle', 'End']) {
        lessons.push(
          await harness.api.addLesson(harness.adminToken, course.id, {
            title: `${name} ${id}`,
            content: `# ${name}\n\nRead this.`,
          }),
        );
      }

      const session = await openSession();
      await session.context.grantPermissions(['clipboard-read', 'clipboard-write']);
      const { page } = session;
      await page.goto('/login');
      await signIn(session, learner.email, PASSWORD);

      // Enrol and complete every lesson through the lesson pages.
      await page.goto(`/courses/${course.id}`);
      await page.getByTestId('enroll-button').click();
      await page.getByTestId('enrollment-enrolled').waitFor();
      await page.getByTestId('continue-link').click();
      for (const [index, lesson] of lessons.entries()) {
        await poll(() => page.getByTestId('lesson-title').textContent()).toBe(lesson.title);
        await page.getByTestId('complete-button').click();
        await page.getByTestId('undo-complete-button').waitFor();
        if (index < lessons.length - 1) await page.getByTestId('next-lesson').click();
      }
      await poll(() => page.getByTestId('lesson-progress-percent').textContent()).toBe('100%');

      // My learning lists the certificate.
      await page.getByTestId('nav-my').click();
      await reloadUntilShown(page, 'my-certificate');
      const card = page.locator(`[data-testid="my-certificate"][data-course-id="${course.id}"]`);
      expect(await card.locator('h3').textContent()).toBe(title);
      expect(await card.getByTestId('my-certificate-revoked').count()).toBe(0);
      const viewHref = await card.getByTestId('my-certificate-view').getAttribute('href');
      const certificateId = /^\/certificates\/([^/]+)$/.exec(viewHref ?? '')?.[1];
      if (certificateId === undefined) throw new Error(`unexpected certificate link ${viewHref}`);
      expect(await unnamedControls(page)).toEqual([]);
      await snapshot(session, 'my-learning-certificate', (p) =>
        p.locator('main:has([data-testid="my-finished"]) [data-testid="my-certificate"]'),
      );

      // The PDF: a real PDF, served as one.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        card.getByRole('link', { name: 'Download PDF' }).click(),
      ]);
      const pdf = readFileSync(await download.path());
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdf.subarray(-1024).toString('latin1')).toContain('%%EOF');
      expect(pdf.length).toBeGreaterThan(1_000);
      const pdfResponse = await page.request.get(`/api/progress/certificates/${certificateId}/pdf`);
      expect(pdfResponse.headers()['content-type']).toBe('application/pdf');

      // The verification link, copied.
      await card.getByTestId('my-certificate-copy').click();
      await poll(() => page.getByTestId('status-message').textContent()).toBe('Link copied.');
      const link = await page.evaluate(() => navigator.clipboard.readText());
      expect(link).toBe(new URL(`/certificates/${certificateId}`, page.url()).toString());

      // Anyone, signed out, sees it valid with course, learner and date.
      const visitor = await openSession();
      const facts = (await (
        await visitor.page.request.get(`/api/progress/certificates/${certificateId}`)
      ).json()) as PublicCertificate;
      await visitor.page.goto(link);
      const state = visitor.page.getByTestId('certificate-state');
      await poll(() => state.getAttribute('data-state')).toBe('valid');
      expect(await state.textContent()).toContain('Valid');
      expect(await visitor.page.getByTestId('certificate-course').textContent()).toBe(title);
      expect(await visitor.page.getByTestId('certificate-learner').textContent()).toBe(learner.email);
      expect(await visitor.page.getByTestId('certificate-issued').textContent()).toBe(
        shownDate(facts.issued_at),
      );
      expect(await visitor.page.getByTestId('certificate-revoke').count()).toBe(0);
      expect(await visitor.page.getByTestId('nav-login').count()).toBe(1);
      expect(await unnamedControls(visitor.page)).toEqual([]);
      await snapshot(visitor, 'certificate-valid', (p) => p.getByTestId('certificate-state'));

      // The learner cannot revoke their own certificate.
      await card.getByTestId('my-certificate-view').click();
      await poll(() => page.getByTestId('certificate-state').getAttribute('data-state')).toBe('valid');
      expect(await page.getByTestId('certificate-revoke').count()).toBe(0);

      // An admin revokes it, after confirming.
      const admin = await openSession();
      await admin.page.goto('/login');
      await signIn(admin, harness.admin.email, harness.admin.password);
      await admin.page.goto(`/certificates/${certificateId}`);
      await admin.page.getByTestId('certificate-revoke').click();
      const dialog = admin.page.locator('dialog[open]');
      expect(await dialog.textContent()).toContain(learner.email);
      await dialog.getByTestId('confirm-yes').click();
      await poll(() => admin.page.getByTestId('certificate-state').getAttribute('data-state')).toBe(
        'revoked',
      );
      await poll(() => admin.page.getByTestId('status-message').textContent()).toBe(
        'The certificate is revoked.',
      );
      expect(await admin.page.getByTestId('certificate-revoke').count()).toBe(0);

      // The public page and My learning say so.
      await visitor.page.reload();
      await poll(() => state.getAttribute('data-state')).toBe('revoked');
      expect(await state.textContent()).toMatch(/^✕ Revoked on .+: this certificate is no longer valid\.$/);
      expect(await visitor.page.getByTestId('certificate-course').textContent()).toBe(title);
      await snapshot(visitor, 'certificate-revoked', (p) => p.locator('[data-state="revoked"]'));

      await page.getByTestId('nav-my').click();
      await poll(() => card.getByTestId('my-certificate-revoked').textContent()).toBe('Revoked');

      // In Russian too.
      await visitor.page.getByTestId('lang-switch').selectOption('ru');
      await poll(() => state.textContent()).toMatch(/Отозван/);

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when three learners stop at different lessons, then the studio analytics page shows the funnel, the totals and a CSV with their numbers',
    async () => {
      const id = suffix();
      const owner = await account('teacher', 'instructor');
      const course = await harness.api.createCourse(owner.token, {
        title: `Funnel course ${id}`,
        description: 'Where do learners stop?',
        published: true,
      });
      const lessons = [];
      for (const name of ['One', 'Two', 'Three', 'Four']) {
        lessons.push(
          await harness.api.addLesson(owner.token, course.id, { title: `${name} ${id}`, content: 'Text.' }),
        );
      }
      // Learners stop after 1, 2 and 4 (all) lessons.
      const stops = [1, 2, 4];
      const learners = [];
      for (const [index, stop] of stops.entries()) {
        const learner = await account(`funnel${index}`);
        for (const lesson of lessons.slice(0, stop))
          await harness.api.completeLesson(learner.token, lesson.id);
        learners.push({ ...learner, stop });
      }

      const session = await openSession();
      const { page } = session;
      await page.goto('/login');
      await signIn(session, owner.email, PASSWORD);
      await page.goto(`/studio/courses/${course.id}/analytics`);
      await poll(() => page.getByTestId('analytics-heading').textContent()).toBe(
        `Analytics: Funnel course ${id}`,
      );

      // The certificate of the one who finished is issued just after the completion: completed follows it.
      const deadline = Date.now() + 30_000;
      while ((await page.getByTestId('analytics-completed').textContent()) !== '1') {
        if (Date.now() > deadline) throw new Error('the completed count did not reach 1');
        await page.waitForTimeout(1_000);
        await page.reload();
        await page.getByTestId('analytics-completed').waitFor();
      }
      expect(await page.getByTestId('analytics-enrolled').textContent()).toBe('3');
      expect(await page.getByTestId('analytics-started').textContent()).toBe('3');
      expect(await page.getByTestId('analytics-rate').textContent()).toBe('33%');
      expect(await page.getByTestId('analytics-median').textContent()).toBe('0 days');

      // The bars: their accessible names carry the numbers, their lengths the shares, in lesson order.
      const bars = page.getByTestId('funnel-row');
      await poll(() => bars.count()).toBe(4);
      const expected = [
        { learners: '3 learners', percent: 100 },
        { learners: '2 learners', percent: 67 },
        { learners: '1 learner', percent: 33 },
        { learners: '1 learner', percent: 33 },
      ];
      for (const [index, lesson] of lessons.entries()) {
        const want = expected[index];
        if (want === undefined) throw new Error('missing expectation');
        const row = bars.nth(index);
        expect(await row.getAttribute('data-lesson-id')).toBe(String(lesson.id));
        const label = `${lesson.title}: ${want.learners}, ${want.percent} %`;
        expect(await row.locator('svg').getAttribute('aria-label')).toBe(label);
        expect(await page.getByRole('img', { name: label, exact: true }).count()).toBe(1);
        expect(await row.getByTestId('funnel-caption').textContent()).toBe(
          `${want.learners}, ${want.percent} %`,
        );
        const width = Number(await row.getByTestId('funnel-bar').getAttribute('width'));
        expect(width).toBeCloseTo(want.percent, 0);
      }
      expect(await unnamedControls(page)).toEqual([]);
      await snapshot(session, 'analytics', (p) => p.getByTestId('funnel-row'));

      // The CSV: one row per learner with the lessons they completed.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('analytics-csv').click(),
      ]);
      const lines = readFileSync(await download.path(), 'utf8')
        .trim()
        .split(/\r?\n/);
      expect(lines[0]).toBe('user_id,email,enrolled_at,completed_lessons,percent,last_completed_at');
      expect(lines).toHaveLength(4);
      for (const learner of learners) {
        const line = lines.find((candidate) => candidate.includes(learner.email));
        expect(line, learner.email).toBeDefined();
        const cells = line?.split(',') ?? [];
        expect(cells[0]).toBe(String(learner.id));
        expect(cells[3]).toBe(String(learner.stop));
        expect(cells[4]).toBe(String(Math.floor((learner.stop / lessons.length) * 100)));
      }

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );
});
