/**
 * End to end: Debian's Chromium (playwright-core) against the all-in-one platform, started here on a free port
 * with a fresh DATA_DIR, on the real PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set (shared with other
 * tests: every email and title carries a random suffix, and the catalog is never assumed empty), else on PGlite.
 */
import type { Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { CreatedCourse, CreatedLesson } from './api.js';
import { snapshot, snapshotInPlace } from './browser.js';
import {
  BROWSER_SUITE,
  lessonIds,
  PASSWORD,
  poll,
  signIn,
  suffix,
  TEST_TIMEOUT_MS,
  useHarness,
} from './harness.js';

const XSS = '<img src=x onerror=alert(1)>';
/** How late the completion reaches the server in the slow-network step. */
const SLOW_COMPLETION_MS = 1_500;
/** How late the learner's progress answers in the late-refresh step. */
const LATE_PROGRESS_MS = 1_500;

const harness = useHarness();
const { openSession, expectCleanSessions } = harness;

function injectedImages(page: Page): Promise<number> {
  return page.locator('img[src="x"]').count();
}

async function searchCatalog(page: Page, query: string): Promise<void> {
  await page.getByTestId('catalog-search').fill(query);
  await page.getByTestId('catalog-search-submit').click();
  await poll(() => new URL(page.url()).searchParams.get('q')).toBe(query);
}

/** A published course with the given lessons, made through the API by the admin. */
async function seedCourse(
  title: string,
  lessons: { title: string; content: string }[],
): Promise<{ course: CreatedCourse; lessons: CreatedLesson[] }> {
  const course = await harness.api.createCourse(harness.adminToken, {
    title,
    description: 'Made by the end-to-end tests.',
    published: true,
  });
  const created: CreatedLesson[] = [];
  for (const lesson of lessons)
    created.push(await harness.api.addLesson(harness.adminToken, course.id, lesson));
  return { course, lessons: created };
}

describe('the web app in Chromium against the all-in-one platform', BROWSER_SUITE, () => {
  it(
    'when a student registers, finds a course by searching and completes a lesson, then the course page and My learning show 50%, and HTML in a title or lesson stays text',
    async () => {
      const id = suffix();
      const email = `e2e-student-${id}@example.com`;
      const title = `Safe reading ${XSS} ${id}`;
      const { course, lessons } = await seedCourse(title, [
        {
          title: `First steps ${id}`,
          content: `# Welcome\n\nThis lesson shows **markup** as it is:\n\n${XSS}\n\nInline ${XSS} too.`,
        },
        { title: `Second steps ${id}`, content: 'More to read.' },
      ]);
      const [first, second] = lessons;
      if (first === undefined || second === undefined) throw new Error('lessons were not created');

      const student = await openSession();
      const { page } = student;

      // Register.
      await page.goto('/register');
      await snapshot(student, 'register', (p) => p.getByTestId('register-form'));
      await page.getByTestId('register-email').fill(email);
      await page.getByTestId('register-password').fill(PASSWORD);
      await page.getByTestId('register-submit').click();
      await poll(() => page.getByTestId('user-email').textContent()).toContain(email);
      await page.getByTestId('nav-my').waitFor();

      // Find the course by searching the catalog.
      await page.getByTestId('nav-catalog').click();
      await searchCatalog(page, id);
      const card = page.locator(`[data-testid="course-card"][data-course-id="${course.id}"]`);
      await card.waitFor();
      await poll(() => page.getByTestId('course-card').count()).toBe(1);
      expect(await card.getByTestId('course-card-link').textContent()).toBe(title);
      expect(await injectedImages(page)).toBe(0);
      await snapshot(student, 'catalog', (p) => p.getByTestId('course-card'));

      // The course page: the title is text, nothing is done yet.
      await card.getByTestId('course-card-link').click();
      await poll(() => page.getByTestId('course-title').textContent()).toBe(title);
      await poll(() => page.getByTestId('progress-percent').textContent()).toBe('0%');
      expect(await lessonIds(page, 'lesson-item')).toEqual([first.id, second.id]);
      expect(await injectedImages(page)).toBe(0);
      await snapshot(student, 'course', (p) => p.getByTestId('progress-percent'));

      // Read the first lesson: its HTML shows as characters.
      await page.getByTestId('continue-link').click();
      await poll(() => page.getByTestId('lesson-title').textContent()).toBe(first.title);
      const content = page.getByTestId('lesson-content');
      await poll(() => content.innerText()).toContain(XSS);
      await poll(async () => (await content.innerText()).split(XSS).length - 1).toBe(2);
      await content.getByText('markup', { exact: true }).waitFor();
      expect(await injectedImages(page)).toBe(0);
      expect(await page.getByTestId('prev-lesson').count()).toBe(0);
      expect(await page.getByTestId('next-lesson').getAttribute('href')).toBe(
        `/courses/${course.id}/lessons/${second.id}`,
      );
      await snapshot(student, 'lesson', (p) => p.getByTestId('complete-button'));

      // Complete it, on a slow network: the completion reaches the server a second late, and the learner goes
      // back to the course before it has. The page shows the click at once; the course page waits for it.
      await page.route('**/api/progress/*/complete', async (route) => {
        await new Promise((resolve) => setTimeout(resolve, SLOW_COMPLETION_MS));
        await route.continue();
      });
      await page.getByTestId('complete-button').click();
      await page.getByTestId('undo-complete-button').waitFor();
      await poll(() => page.getByTestId('lesson-progress-percent').textContent()).toBe('50%');

      // The course page shows the percent and which lesson is done.
      await page.getByTestId('back-to-course').click();
      await poll(() => page.getByTestId('progress-percent').textContent()).toBe('50%');
      const item = (lessonId: number) =>
        page.locator(`[data-testid="lesson-item"][data-lesson-id="${lessonId}"]`);
      await poll(() => item(first.id).getAttribute('data-completed')).toBe('true');
      expect(await item(second.id).getAttribute('data-completed')).toBe('false');
      expect(await page.getByTestId('continue-link').getAttribute('href')).toBe(
        `/courses/${course.id}/lessons/${second.id}`,
      );

      // My learning shows the course at 50% and the completed lesson in the timeline.
      await page.getByTestId('nav-my').click();
      const mine = page.locator(`[data-testid="my-course"][data-course-id="${course.id}"]`);
      await poll(() => mine.getByTestId('my-course-percent').textContent()).toBe('50%');
      await poll(() => page.getByTestId('timeline-item').count()).toBe(1);
      expect(await page.getByTestId('timeline-item').textContent()).toContain(first.title);
      expect(await mine.textContent()).toContain(title);
      expect(await injectedImages(page)).toBe(0);
      await snapshot(student, 'my-learning', (p) => p.getByTestId('timeline-item'));

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when an instructor creates a course with two lessons, reorders and publishes it, then a signed-out visitor finds it in the catalog in the new order',
    async () => {
      const id = suffix();
      const email = `e2e-instructor-${id}@example.com`;
      const account = await harness.api.register(email, PASSWORD);
      await harness.api.setRole(harness.adminToken, account.id, 'instructor');
      const title = `Studio ${XSS} ${id}`;
      const firstTitle = `Alpha lesson ${id}`;
      const secondTitle = `Beta lesson ${id}`;

      // One save is refused on purpose (a description over the limit).
      const instructor = await openSession({
        expectedFailures: [{ status: 422, path: /^\/api\/courses\/\d+$/ }],
      });
      const { page } = instructor;
      const providers = page.waitForResponse((response) =>
        response.url().endsWith('/api/auth/oidc/providers'),
      );
      await page.goto('/login');
      // No OIDC_PROVIDERS_FILE here: the page asked for providers, got none, and shows no "Sign in with …".
      expect(await (await providers).json()).toEqual([]);
      expect(await page.getByTestId('sso-providers').count()).toBe(0);
      await signIn(instructor, email, PASSWORD);

      // Create a draft course in the studio.
      await page.getByTestId('nav-studio').click();
      await page.getByTestId('studio-course-title').fill(title);
      await page.getByTestId('studio-course-description').fill('Two lessons, reordered.');
      expect(await page.getByTestId('studio-course-published').isChecked()).toBe(false);
      await page.getByTestId('studio-create-course').click();
      await page.waitForURL(/\/studio\/courses\/\d+$/);
      const courseId = Number(/\/studio\/courses\/(\d+)$/.exec(page.url())?.[1]);
      await poll(() => page.getByTestId('course-edit-title').inputValue()).toBe(title);
      await poll(() => page.getByTestId('course-status').textContent()).toBe('Draft');
      expect(await page.getByTestId('studio-course-heading').textContent()).toBe(title);

      // A description the API refuses (over 10,000 characters) is named under the field in the edit form too.
      const editDescription = page.getByTestId('course-edit-description');
      await editDescription.fill('x'.repeat(10_001));
      await page.getByTestId('course-save').click();
      await poll(() => editDescription.getAttribute('aria-invalid')).toBe('true');
      const descriptionErrorId = await editDescription.getAttribute('aria-describedby');
      expect(await page.locator(`[id="${descriptionErrorId}"]`).textContent()).toMatch(/10000|10,000/);
      await snapshotInPlace(instructor, 'studio-description-error', (p) =>
        p.locator(`[id="${descriptionErrorId}"]`),
      );
      await editDescription.fill('Two lessons, reordered.');
      await page.getByTestId('course-save').click();
      await poll(() => editDescription.getAttribute('aria-invalid')).toBe('false');

      // Two lessons; the preview renders Markdown and shows HTML as text.
      const addLesson = async (lessonTitle: string, content: string, rows: number): Promise<void> => {
        await page.getByTestId('add-lesson').click();
        await page.getByTestId('lesson-form-title').fill(lessonTitle);
        await page.getByTestId('lesson-form-content').fill(content);
        await page.getByTestId('lesson-preview').locator('strong').getByText('bold').waitFor();
        await page.getByTestId('lesson-form-submit').click();
        await poll(() => page.getByTestId('studio-lesson-row').count()).toBe(rows);
        await page.getByTestId('add-lesson').waitFor();
      };
      await addLesson(firstTitle, `Some **bold** text.`, 1);
      await page.getByTestId('add-lesson').click();
      await page.getByTestId('lesson-form-content').fill(`Very **bold**: ${XSS}`);
      await poll(() => page.getByTestId('lesson-preview').innerText()).toContain(XSS);
      expect(await injectedImages(page)).toBe(0);
      await page.getByTestId('lesson-form-cancel').click();
      await addLesson(secondTitle, `Very **bold**: ${XSS}`, 2);
      const titles = () => page.getByTestId('studio-lesson-title').allTextContents();
      expect(await titles()).toEqual([firstTitle, secondTitle]);

      // Move the second lesson up.
      const secondRow = page.getByTestId('studio-lesson-row').filter({ hasText: secondTitle });
      await secondRow.getByTestId('lesson-move-up').click();
      await poll(titles).toEqual([secondTitle, firstTitle]);
      await poll(() => page.getByTestId('status-message').textContent()).toContain(secondTitle);
      // It stuck on the server.
      await page.reload();
      await poll(titles).toEqual([secondTitle, firstTitle]);
      const order = await lessonIds(page, 'studio-lesson-row');

      // While a draft, a signed-out visitor finds nothing.
      const early = await openSession({
        expectedFailures: [{ status: 404, path: new RegExp(`^/api/courses/${courseId}$`) }],
      });
      await early.page.goto(`/?q=${encodeURIComponent(id)}`);
      await early.page.getByTestId('catalog-empty').waitFor();
      await early.page.goto(`/courses/${courseId}`);
      await early.page.getByTestId('course-not-found').waitFor();
      await early.close();

      // Publish.
      await page.getByTestId('publish-toggle').click();
      await poll(() => page.getByTestId('course-status').textContent()).toBe('Published');
      await page.reload(); // it stuck, and the "published" toast is gone for the screenshot
      await poll(() => page.getByTestId('course-status').textContent()).toBe('Published');
      await snapshot(instructor, 'studio-course', (p) => p.getByTestId('studio-lesson-row'));
      expect(await injectedImages(page)).toBe(0);

      // The studio list shows it published.
      await page.getByTestId('nav-studio').click();
      const row = page.locator(`[data-testid="studio-course-row"][data-course-id="${courseId}"]`);
      await poll(() => row.getByTestId('studio-course-status').textContent()).toBe('Published');
      expect(await row.getByTestId('studio-edit-link').textContent()).toBe(title);
      await snapshot(instructor, 'studio', (p) => p.getByTestId('studio-course-row'));

      // A signed-out visitor finds it by searching, with the lessons in the new order.
      const visitor = await openSession();
      await visitor.page.goto('/');
      await visitor.page.getByTestId('nav-login').waitFor();
      await searchCatalog(visitor.page, id);
      const card = visitor.page.locator(`[data-testid="course-card"][data-course-id="${courseId}"]`);
      await poll(() => card.getByTestId('course-card-link').textContent()).toBe(title);
      await card.getByTestId('course-card-link').click();
      await poll(() => visitor.page.getByTestId('course-title').textContent()).toBe(title);
      await poll(() => lessonIds(visitor.page, 'lesson-item')).toEqual(order);
      expect(await visitor.page.getByTestId('lesson-item').allInnerTexts()).toEqual([
        expect.stringContaining(secondTitle),
        expect.stringContaining(firstTitle),
      ]);
      expect(await injectedImages(visitor.page)).toBe(0);

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when an admin makes a user an instructor on the admin page, then that user reaches the studio after signing in again',
    async () => {
      const id = suffix();
      const email = `e2e-promoted-${id}@example.com`;

      // The user registers and is a student: no studio.
      const user = await openSession();
      await user.page.goto('/register');
      await user.page.getByTestId('register-email').fill(email);
      await user.page.getByTestId('register-password').fill(PASSWORD);
      await user.page.getByTestId('register-submit').click();
      await poll(() => user.page.getByTestId('user-email').textContent()).toContain(email);
      expect(await user.page.getByTestId('nav-studio').count()).toBe(0);
      await user.page.goto('/studio');
      await user.page.getByTestId('forbidden').waitFor();

      // The admin signs in and finds the user by part of the email with the admin page's search.
      const adminSession = await openSession();
      const { page } = adminSession;
      await page.goto('/login');
      await snapshot(adminSession, 'login', (p) => p.getByTestId('login-form'));
      await signIn(adminSession, harness.admin.email, harness.admin.password);
      await page.getByTestId('nav-admin').click();
      await page.getByTestId('users-table').waitFor();
      await page.getByTestId('users-search').fill(`PROMOTED-${id}`);
      await page.getByTestId('users-search-submit').click();
      await poll(() => new URL(page.url()).searchParams.get('q')).toBe(`PROMOTED-${id}`);
      const row = page.locator(`[data-testid="user-row"][data-user-email="${email}"]`);
      await row.waitFor();
      await poll(() => page.getByTestId('user-row').count()).toBe(1);
      await snapshot(adminSession, 'admin', (p) => p.getByTestId('user-row'));

      await row.getByTestId('user-role-select').selectOption('instructor');
      await row.getByTestId('user-role-save').click();
      await poll(() => page.getByTestId('status-message').textContent()).toContain(email);
      await page.reload();
      await poll(() => row.getByTestId('user-role-select').inputValue()).toBe('instructor');

      // The user signs out and in again: the new token carries the role.
      await user.page.getByTestId('logout-button').click();
      await user.page.getByTestId('nav-login').click();
      await signIn(user, email, PASSWORD);
      await user.page.getByTestId('nav-studio').click();
      await user.page.getByTestId('studio-create-course').waitFor();
      expect(await user.page.getByTestId('forbidden').count()).toBe(0);

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when the browser prefers Russian, then the catalog speaks Russian, and the language switch turns it to English',
    async () => {
      const visitor = await openSession({ locale: 'ru-RU' });
      const { page } = visitor;
      await page.goto('/');
      const heading = page.getByRole('heading', { level: 1 });
      await poll(() => heading.textContent()).toBe('Курсы');
      expect(await page.getByTestId('nav-catalog').textContent()).toBe('Каталог');
      expect(await page.getByTestId('nav-login').textContent()).toBe('Войти');
      expect(await page.getByTestId('catalog-search-submit').textContent()).toBe('Найти');
      // `lang` is set by an effect, which may run a moment after the first render is on screen.
      await poll(() => page.getAttribute('html', 'lang')).toBe('ru');
      expect(await page.getByTestId('lang-switch').inputValue()).toBe('ru');

      await page.getByTestId('lang-switch').selectOption('en');
      await poll(() => heading.textContent()).toBe('Courses');
      expect(await page.getByTestId('nav-catalog').textContent()).toBe('Catalog');
      expect(await page.getByTestId('nav-login').textContent()).toBe('Sign in');
      expect(await page.getAttribute('html', 'lang')).toBe('en');

      // The choice is remembered.
      await page.reload();
      await poll(() => heading.textContent()).toBe('Courses');

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "when the refresh after one lesson's completion arrives after the next lesson is marked complete, then the newer mark stays",
    async () => {
      const id = suffix();
      const { course, lessons } = await seedCourse(`Late refresh ${id}`, [
        { title: `One ${id}`, content: 'One.' },
        { title: `Two ${id}`, content: 'Two.' },
        { title: `Three ${id}`, content: 'Three.' },
      ]);
      const [first, second] = lessons;
      if (first === undefined || second === undefined) throw new Error('lessons were not created');
      const learner = await harness.account('late-refresh');
      const session = await openSession();
      const { page } = session;
      await page.goto('/login');
      await signIn(session, learner.email, PASSWORD);
      await page.goto(`/courses/${course.id}/lessons/${first.id}`);
      await page.getByTestId('complete-button').waitFor();

      // From here on the learner's progress answers late, and the second lesson's completion later still.
      const progressUrl = `/api/progress/courses/${course.id}`;
      const delayed = (ms: number) => async (route: Route) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        await route.continue().catch(() => undefined);
      };
      await page.route(`**${progressUrl}`, delayed(LATE_PROGRESS_MS));
      await page.route(`**/api/progress/${second.id}/complete`, delayed(2 * LATE_PROGRESS_MS));
      const lateRefresh = page.waitForRequest((request) => new URL(request.url()).pathname === progressUrl);
      await page.getByTestId('complete-button').click();
      await page.getByTestId('undo-complete-button').waitFor();
      await lateRefresh;

      // While that refresh (which knows only the first lesson) is on its way, go on and complete the second lesson.
      await page.getByTestId('next-lesson').click();
      await poll(() => page.getByTestId('lesson-title').textContent()).toBe(second.title);
      await page.getByTestId('complete-button').waitFor();
      await page.evaluate(() => {
        const watch = window as { completionFlips?: number };
        let marked = false;
        watch.completionFlips = 0;
        new MutationObserver(() => {
          if (document.querySelector('[data-testid="undo-complete-button"]') !== null) marked = true;
          else if (marked && document.querySelector('[data-testid="complete-button"]') !== null) {
            watch.completionFlips = (watch.completionFlips ?? 0) + 1;
            marked = false;
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      const secondStored = page.waitForResponse((response) =>
        response.url().endsWith(`/api/progress/${second.id}/complete`),
      );
      await page.getByTestId('complete-button').click();
      await page.getByTestId('undo-complete-button').waitFor();
      await secondStored;
      // The server's numbers after the second completion, read once it is stored.
      await page.waitForResponse((response) => new URL(response.url()).pathname === progressUrl);
      await poll(() => page.getByTestId('lesson-progress-percent').textContent()).toBe('66%');
      await page.getByTestId('undo-complete-button').waitFor();
      expect(await page.evaluate(() => (window as { completionFlips?: number }).completionFlips)).toBe(0);

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when a keyboard user tabs from the top of the catalog, then Tab reaches the search box and Enter submits the search',
    async () => {
      const id = suffix();
      const { course } = await seedCourse(`Keyboard course ${id}`, [
        { title: `Only ${id}`, content: 'Text.' },
      ]);

      const visitor = await openSession();
      const { page } = visitor;
      await page.goto('/');
      await page.getByTestId('nav-login').waitFor();
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
      let presses = 0;
      while ((await focused()) !== 'catalog-search') {
        expect(presses, 'Tab never reached the search box').toBeLessThan(20);
        await page.keyboard.press('Tab');
        presses++;
      }

      await page.evaluate(() => {
        document.querySelector('form[role="search"]')?.addEventListener('submit', () => {
          document.documentElement.dataset.searchSubmitted = 'yes';
        });
      });
      await page.keyboard.type(id);
      await page.keyboard.press('Enter');
      await poll(() => page.getAttribute('html', 'data-search-submitted')).toBe('yes');
      await poll(() => new URL(page.url()).searchParams.get('q')).toBe(id);
      // The new course is also on the unfiltered first page, so its card alone does not say the search is shown.
      await poll(() => page.getByTestId('course-card').count()).toBe(1);
      await page.locator(`[data-testid="course-card"][data-course-id="${course.id}"]`).waitFor();

      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );
});
