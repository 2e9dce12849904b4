/**
 * End to end, DESIGN §11 in the browser: sections and release dates, enrollment (seats, reasons, invite links,
 * leaving), My learning from enrollments, and the roster with its CSV, against the all-in-one platform.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { snapshot } from './browser.js';
import {
  BROWSER_SUITE,
  lessonIds,
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

const DAY_MS = 24 * 60 * 60 * 1000;

/** The date part the app shows in English for an instant (the browser runs in UTC). */
function shownDate(iso: string): string {
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso));
}

/**
 * A published course owned by `token`'s user: one lesson outside any section, "Week 1" (released) with one
 * lesson, "Week 2" released tomorrow with one lesson; then `settings` applied.
 */
async function structuredCourse(token: string, settings: Record<string, unknown> = {}) {
  const { api } = harness;
  const id = suffix();
  const course = await api.createCourse(token, {
    title: `Structured ${id}`,
    description: 'Sections, a release date and enrollment.',
    published: true,
  });
  const intro = await api.addLesson(token, course.id, { title: `Welcome ${id}`, content: 'Hello.' });
  const first = await api.addLesson(token, course.id, { title: `Basics ${id}`, content: 'Basics text.' });
  const later = await api.addLesson(token, course.id, { title: `Advanced ${id}`, content: 'Secret text.' });
  const releasedAt = new Date(Date.now() + DAY_MS).toISOString();
  const week1 = await api.createSection(token, course.id, { title: `Week 1 ${id}` });
  const week2 = await api.createSection(token, course.id, {
    title: `Week 2 ${id}`,
    available_from: releasedAt,
  });
  await api.moveLesson(token, course.id, first.id, week1.id);
  await api.moveLesson(token, course.id, later.id, week2.id);
  if (Object.keys(settings).length > 0) await api.updateCourse(token, course.id, settings);
  return { course, intro, first, later, week1, week2, releasedAt };
}

describe('course structure and enrollment in Chromium', BROWSER_SUITE, () => {
  it(
    'when an instructor adds sections with a release date, moves a lesson into one, makes the course invite-only with 2 seats and creates an invite link, then all of it sticks after a reload',
    async () => {
      const instructor = await account('builder', 'instructor');
      const { api } = harness;
      const id = suffix();
      const course = await api.createCourse(instructor.token, {
        title: `Built in the studio ${id}`,
        description: 'Made through the studio.',
        published: true,
      });
      const one = await api.addLesson(instructor.token, course.id, { title: `One ${id}`, content: 'One.' });
      const two = await api.addLesson(instructor.token, course.id, { title: `Two ${id}`, content: 'Two.' });

      const session = await openSession();
      await session.context.grantPermissions(['clipboard-read', 'clipboard-write']);
      const { page } = session;
      await page.goto('/login');
      await signIn(session, instructor.email, PASSWORD);
      await page.goto(`/studio/courses/${course.id}`);
      await page.getByTestId('studio-course-heading').waitFor();

      // Two sections; the second opens tomorrow at 09:30 (UTC, the browser's zone).
      const addSection = async (title: string, rows: number): Promise<void> => {
        await page.getByTestId('new-section-title').fill(title);
        await page.getByTestId('add-section').click();
        await poll(() => page.getByTestId('studio-section-row').count()).toBe(rows);
        await poll(() => page.getByTestId('status-message').textContent()).toContain(title);
      };
      await addSection(`Later ${id}`, 1);
      await addSection(`First ${id}`, 2);
      const sectionTitles = () =>
        page
          .getByTestId('section-title')
          .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
      expect(await sectionTitles()).toEqual([`Later ${id}`, `First ${id}`]);

      // Reorder: "First" up; rename "Later" and give it a release date.
      await page.getByTestId('studio-section-row').nth(1).getByTestId('section-move-up').click();
      await poll(sectionTitles).toEqual([`First ${id}`, `Later ${id}`]);
      const tomorrow = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
      const laterRow = page.getByTestId('studio-section-row').nth(1);
      await laterRow.getByTestId('section-title').fill(`Week two ${id}`);
      await laterRow.getByTestId('section-release').fill(`${tomorrow}T09:30`);
      await laterRow.getByTestId('section-save').click();
      await poll(() => page.getByTestId('status-message').textContent()).toContain(`Week two ${id}`);

      // Move the lessons: "One" into the first section, "Two" into the released-tomorrow one.
      const lessonRow = (lessonId: number) =>
        page.locator(`[data-testid="studio-lesson-row"][data-lesson-id="${lessonId}"]`);
      await lessonRow(one.id)
        .getByTestId('lesson-section')
        .selectOption({ label: `First ${id}` });
      await poll(() => page.getByTestId('status-message').textContent()).toContain(`First ${id}`);
      await lessonRow(two.id)
        .getByTestId('lesson-section')
        .selectOption({ label: `Week two ${id}` });
      await poll(() => page.getByTestId('status-message').textContent()).toContain(`Week two ${id}`);

      // Invite only, two seats.
      await page.getByTestId('enrollment-policy-invite').check();
      await page.getByTestId('enrollment-capacity').fill('2');
      await page.getByTestId('enrollment-save').click();
      await poll(() => page.getByTestId('status-message').textContent()).toBe('Enrollment settings saved.');

      // An invite link with 5 uses, copied with the copy button.
      await page.getByTestId('invite-max-uses').fill('5');
      await page.getByTestId('create-invite').click();
      await poll(() => page.getByTestId('invite-row').count()).toBe(1);
      const url = await page.getByTestId('invite-url').inputValue();
      expect(url).toMatch(new RegExp(`/courses/${course.id}\\?invite=[A-Za-z0-9_-]+$`));
      expect(await page.getByTestId('invite-uses').textContent()).toBe('0 of 5 used');
      await page.getByTestId('invite-copy').click();
      await poll(() => page.getByTestId('status-message').textContent()).toBe('Link copied.');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

      // Everything stuck on the server.
      await page.reload();
      await poll(sectionTitles).toEqual([`First ${id}`, `Week two ${id}`]);
      expect(await page.getByTestId('section-release').nth(1).inputValue()).toBe(`${tomorrow}T09:30`);
      expect(await page.getByTestId('section-release').nth(0).inputValue()).toBe('');
      await poll(() =>
        lessonRow(two.id).getByTestId('lesson-section').locator('option:checked').textContent(),
      ).toBe(`Week two ${id}`);
      expect(await page.getByTestId('enrollment-policy-invite').isChecked()).toBe(true);
      expect(await page.getByTestId('enrollment-capacity').inputValue()).toBe('2');
      await poll(() => page.getByTestId('invite-url').inputValue()).toBe(url);
      expect(await unnamedControls(page)).toEqual([]);
      await snapshot(session, 'studio-structure', (p) => p.getByTestId('invite-row'));

      // Revoking the link removes it.
      await page.getByTestId('invite-revoke').click();
      await page.locator('dialog[open]').getByTestId('confirm-yes').click();
      await poll(() => page.getByTestId('invite-row').count()).toBe(0);

      // The learner's view: sections in order, the second locked with its date.
      const visitor = await openSession();
      await visitor.page.goto(`/courses/${course.id}`);
      await poll(() => visitor.page.getByTestId('outline-section-title').allTextContents()).toEqual([
        `First ${id}`,
        `Week two ${id}`,
      ]);
      expect(await lessonIds(visitor.page, 'lesson-item')).toEqual([one.id, two.id]);

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when a learner opens an invite-only course with a section released tomorrow, then the section shows its date and no links, the lesson says when it opens, Enrol says why not, and completing a lesson asks to enrol first',
    async () => {
      const owner = await account('owner', 'instructor');
      const learner = await account('reader');
      const { course, intro, later, week2, releasedAt } = await structuredCourse(owner.token, {
        enrollment: 'invite',
        capacity: 10,
      });

      const session = await openSession({
        expectedFailures: [
          { status: 403, path: new RegExp(`^/api/courses/${course.id}/lessons/${later.id}$`) },
          { status: 403, path: new RegExp(`^/api/progress/${intro.id}/complete$`) },
        ],
      });
      const { page } = session;
      await page.goto('/login');
      await signIn(session, learner.email, PASSWORD);
      await page.goto(`/courses/${course.id}`);

      const locked = page.locator(`[data-testid="outline-section"][data-section-id="${week2.id}"]`);
      await poll(() => locked.getAttribute('data-locked')).toBe('true');
      expect(await locked.getByTestId('outline-release').textContent()).toContain(shownDate(releasedAt));
      const lockedLesson = locked.locator(`[data-testid="lesson-item"][data-lesson-id="${later.id}"]`);
      expect(await lockedLesson.textContent()).toContain(`Advanced`);
      expect(await lockedLesson.locator('a').count()).toBe(0);

      // Enrol is refused up front, with the reason; the seats are shown.
      expect(await page.getByTestId('enroll-button').getAttribute('aria-disabled')).toBe('true');
      expect(await page.getByTestId('enrollment-reason').textContent()).toBe(
        'By invitation only: open the invite link the instructor gave you.',
      );
      expect(await page.getByTestId('enrollment-seats').textContent()).toMatch(/10 seats/);
      expect(await unnamedControls(page)).toEqual([]);
      await snapshot(session, 'course-sections', (p) => p.getByTestId('outline-release'));

      // The same in Russian.
      await page.getByTestId('lang-switch').selectOption('ru');
      await poll(() => page.getByTestId('enrollment-reason').textContent()).toBe(
        'Только по приглашению: откройте ссылку, которую дал преподаватель.',
      );
      expect(await page.getByTestId('enroll-button').textContent()).toBe('Записаться');
      expect(await locked.getByTestId('outline-release').textContent()).toContain('Откроется');
      await snapshot(session, 'course-sections-ru', (p) => p.getByTestId('outline-release'));
      await page.getByTestId('lang-switch').selectOption('en');

      // The locked lesson itself: its title and date, not its content.
      await page.goto(`/courses/${course.id}/lessons/${later.id}`);
      const notice = page.getByTestId('lesson-not-available');
      await poll(() => notice.textContent()).toContain(shownDate(releasedAt));
      expect(await page.getByTestId('lesson-title').textContent()).toBe(later.title);
      expect(await page.getByTestId('lesson-content').count()).toBe(0);
      expect(await page.content()).not.toContain('Secret text.');
      await snapshot(session, 'lesson-not-available', (p) => p.getByTestId('lesson-not-available'));

      // A released lesson reads, but completing it needs a seat.
      await page.goto(`/courses/${course.id}/lessons/${intro.id}`);
      await page.getByTestId('complete-button').click();
      await poll(() => page.getByTestId('error-message').textContent()).toBe(
        'Enrol in this course (on the course page) to mark its lessons complete.',
      );

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when a signed-out learner follows an invite link and signs in, then they are enrolled, My learning lists the course, and leaving gives the seat back',
    async () => {
      const owner = await account('inviter', 'instructor');
      const learner = await account('invited');
      const { course } = await structuredCourse(owner.token, { enrollment: 'invite', capacity: 5 });
      const invite = await harness.api.createInvite(owner.token, course.id, { max_uses: 3 });

      const session = await openSession();
      const { page } = session;
      await page.goto(`/courses/${course.id}?invite=${invite.code}`);
      await page.getByTestId('enrollment-invited').waitFor();
      await page.getByTestId('sign-in-to-enroll').click();
      await signIn(session, learner.email, PASSWORD);

      // Back on the course: enrolled by the link, which then leaves the address.
      await poll(() => page.getByTestId('enrollment-enrolled').count()).toBe(1);
      await poll(() => page.getByTestId('enrollment-status').textContent()).toBe(
        'You are enrolled. Welcome to the course!',
      );
      await poll(() => new URL(page.url()).search).toBe('');
      await snapshot(session, 'course-enrolled', (p) => p.getByTestId('enrollment-enrolled'));

      // My learning lists it, at 0%.
      await page.getByTestId('nav-my').click();
      const mine = page.locator(`[data-testid="my-course"][data-course-id="${course.id}"]`);
      await poll(() => mine.getByTestId('my-course-percent').textContent()).toBe('0%');
      expect(await mine.textContent()).toContain(course.title);

      // Leave the course: the Enrol button is back (refused without the link) and My learning drops it.
      await mine.locator('a').first().click();
      await page.getByTestId('unenroll-button').click();
      await page.locator('dialog[open]').getByTestId('confirm-yes').click();
      await poll(() => page.getByTestId('enrollment-status').textContent()).toBe('You have left the course.');
      await page.getByTestId('enroll-button').waitFor();
      await page.getByTestId('nav-my').click();
      // The course page has a heading too, and no card either: wait for My learning itself to have loaded. The
      // course was the learner's only one, so the page says there is none.
      await page.getByTestId('my-empty').waitFor();
      expect(await mine.count()).toBe(0);

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when seats are left, then the course page counts them; when the last one goes while the page is open, then Enrol is refused by the server and the page shows the course full (ru, en)',
    async () => {
      const owner = await account('popular', 'instructor');
      const first = await account('first');
      const second = await account('second');
      const { course } = await structuredCourse(owner.token, { capacity: 2 });
      await harness.api.enroll(first.token, course.id);

      const session = await openSession({
        expectedFailures: [
          { status: 409, path: new RegExp(`^/api/progress/courses/${course.id}/enrollment$`) },
        ],
      });
      const { page } = session;
      await page.goto('/login');
      await signIn(session, second.email, PASSWORD);
      await page.goto(`/courses/${course.id}`);
      const seats = page.getByTestId('enrollment-seats');
      await poll(() => seats.textContent()).toBe('1 seat left of 2');
      expect(await seats.getAttribute('data-seats-left')).toBe('1');

      // Someone else takes the last seat while the page is open: only the server knows, and says so.
      const third = await account('third');
      await harness.api.enroll(third.token, course.id);
      await page.getByTestId('enroll-button').click();
      await poll(() => page.getByTestId('enrollment-refused').textContent()).toBe(
        'The course is full: every seat is taken.',
      );
      expect(await page.getByTestId('enrollment-enrolled').count()).toBe(0);
      // The refusal refreshes the count: the course shows full and Enrol says why it is off.
      await poll(() => seats.textContent()).toBe('Full: no seats left of 2');
      expect(await page.getByTestId('enroll-button').getAttribute('aria-disabled')).toBe('true');
      expect(await page.getByTestId('enrollment-reason').textContent()).toBe(
        'Every seat is taken: you can enrol when a learner leaves the course.',
      );
      await snapshot(session, 'course-full', (p) => p.getByTestId('enroll-button'));

      // Signed out and in Russian, the same count.
      const visitor = await openSession();
      await visitor.page.goto(`/courses/${course.id}`);
      await visitor.page.getByTestId('lang-switch').selectOption('ru');
      await poll(() => visitor.page.getByTestId('enrollment-seats').textContent()).toBe(
        'Мест нет: свободных не осталось из 2',
      );

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when learners have enrolled, then the owner sees them with their progress on the roster and downloads it as CSV',
    async () => {
      const owner = await account('teacher', 'instructor');
      const busy = await account('busy');
      const idle = await account('idle');
      const { course, intro } = await structuredCourse(owner.token);
      await harness.api.enroll(busy.token, course.id);
      await harness.api.completeLesson(busy.token, intro.id);
      await harness.api.enroll(idle.token, course.id);

      const session = await openSession();
      const { page } = session;
      await page.goto('/login');
      await signIn(session, owner.email, PASSWORD);
      await page.goto(`/studio/courses/${course.id}`);
      await page.getByTestId('roster-link').click();
      await poll(() => page.getByTestId('roster-row').count()).toBe(2);
      expect(await page.getByTestId('roster-count').textContent()).toBe('2 learners');
      const row = (email: string) => page.locator('[data-testid="roster-row"]', { hasText: email });
      expect(await row(busy.email).getByTestId('roster-percent').textContent()).toBe('33%');
      expect(await row(idle.email).getByTestId('roster-percent').textContent()).toBe('0%');
      await snapshot(session, 'roster', (p) => p.getByTestId('roster-row'));

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('roster-csv').click(),
      ]);
      const path = await download.path();
      const csv = readFileSync(path, 'utf8');
      const lines = csv.trim().split(/\r?\n/);
      expect(lines).toHaveLength(3);
      expect(lines[0]).toContain('email');
      expect(csv).toContain(busy.email);
      expect(csv).toContain(idle.email);
      await poll(() => page.getByTestId('status-message').textContent()).toBe('The CSV file is downloaded.');

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );
});
