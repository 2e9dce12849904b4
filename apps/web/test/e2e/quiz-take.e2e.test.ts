/**
 * End to end, DESIGN §12 from the learner's side in Chromium: a quiz lesson's intro, an attempt with every kind of
 * question (autosaved, restored after a reload, timed by the server's clock), submitting, the result as
 * `show_answers` allows, a retake, passing completing the lesson, and the server closing an attempt whose tab was
 * closed. Quizzes are authored through the API.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { snapshot, type Session } from './browser.js';
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

/** One question of each of the six kinds; 7 points in all (the essay 2). */
const everyKind = [
  {
    kind: 'single',
    text: 'Which number is **prime**?',
    points: 1,
    options: [
      { text: '4', correct: false },
      { text: '7', correct: true },
      { text: '9', correct: false },
    ],
  },
  {
    kind: 'multiple',
    text: 'Which numbers are *even*?',
    points: 1,
    options: [
      { text: '2', correct: true },
      { text: '3', correct: false },
      { text: '8', correct: true },
    ],
  },
  { kind: 'true_false', text: 'Water boils at 100 °C at sea level.', points: 1, answers: ['true'] },
  { kind: 'short_text', text: 'The capital of France?', points: 1, answers: ['Paris'] },
  { kind: 'numeric', text: 'Pi to two decimal places?', points: 1, number: 3.14, tolerance: 0.005 },
  { kind: 'essay', text: 'Explain `recursion` in one sentence.', points: 2 },
];

interface KeyedQuestion {
  id: number;
  kind: string;
}

interface AttemptBody {
  deadline: string | null;
  status: string;
  closed_by_server: boolean;
  responses: { question_id: number }[];
}

/** A published course by `ownerToken`: a text lesson, then a quiz lesson with `settings` and every kind of question. */
async function quizCourse(ownerToken: string, settings: Record<string, unknown>) {
  const { api } = harness;
  const id = suffix();
  const course = await api.createCourse(ownerToken, {
    title: `Quizzed ${id}`,
    description: 'A reading and a quiz.',
    published: true,
  });
  const reading = await api.addLesson(ownerToken, course.id, { title: `Reading ${id}`, content: 'Read me.' });
  const quizLesson = await api.addLesson(ownerToken, course.id, {
    title: `Check yourself ${id}`,
    content: 'Six questions, **one of each kind**.',
    kind: 'quiz',
  });
  const quiz = await api.putQuiz<{ questions: KeyedQuestion[] }>(ownerToken, quizLesson.id, {
    ...settings,
    questions: everyKind,
  });
  const idOf = (kind: string): number => {
    const found = quiz.questions.find((question) => question.kind === kind);
    if (found === undefined) throw new Error(`the quiz has no ${kind} question`);
    return found.id;
  };
  return {
    course,
    reading,
    quizLesson,
    essayId: idOf('essay'),
    shortTextId: idOf('short_text'),
    lessonPath: `/courses/${course.id}/lessons/${quizLesson.id}`,
  };
}

async function signedIn(email: string): Promise<Session> {
  const session = await openSession();
  await session.page.goto('/login');
  await signIn(session, email, PASSWORD);
  return session;
}

const question = (page: Page, kind: string) =>
  page.locator(`[data-testid="quiz-question"][data-kind="${kind}"]`);

interface Answers {
  single: string;
  multiple: string[];
  trueFalse: 'True' | 'False';
  short: string;
  numeric: string;
  essay: string;
}

async function answerAll(page: Page, answers: Answers): Promise<void> {
  await question(page, 'single').getByRole('radio', { name: answers.single, exact: true }).check();
  for (const name of answers.multiple) {
    await question(page, 'multiple').getByRole('checkbox', { name, exact: true }).check();
  }
  await question(page, 'true_false').getByRole('radio', { name: answers.trueFalse, exact: true }).check();
  await question(page, 'short_text').getByLabel('Your answer').fill(answers.short);
  await question(page, 'numeric').getByLabel('Your answer').fill(answers.numeric);
  await question(page, 'essay').getByLabel('Your answer').fill(answers.essay);
}

const saveState = (page: Page) => page.getByTestId('quiz-save-status').getAttribute('data-state');

function attemptIdOf(page: Page): number {
  const match = /\/attempts\/(\d+)$/.exec(new URL(page.url()).pathname);
  if (match === null) throw new Error(`not an attempt page: ${page.url()}`);
  return Number(match[1]);
}

async function submitWithConfirmation(page: Page): Promise<void> {
  await page.getByTestId('quiz-submit').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.waitFor();
  await dialog.getByTestId('confirm-yes').click();
  await page.getByTestId('quiz-result').waitFor();
}

/** Milliseconds left by the countdown, and by the server's deadline against this machine's (the server's) clock. */
async function countdownAgainstServer(page: Page, deadline: string) {
  const countdown = page.getByTestId('quiz-countdown');
  const shown = Number(await countdown.getAttribute('data-left-ms'));
  return { shown, expected: Date.parse(deadline) - Date.now(), text: (await countdown.textContent()) ?? '' };
}

describe('taking a quiz in Chromium', BROWSER_SUITE, () => {
  it(
    'when a learner fails a quiz with every kind of question, retakes it and passes, then the result shows it, the lesson is completed and the course percent counts it',
    async () => {
      const teacher = await account('teacher', 'instructor');
      const learner = await account('learner');
      const { course, quizLesson, essayId, lessonPath } = await quizCourse(teacher.token, {
        time_limit_seconds: 600,
        max_attempts: 3,
        pass_percent: 60,
        show_answers: 'after_submit',
      });
      const session = await signedIn(learner.email);
      const { page } = session;

      await page.goto(lessonPath);
      await page.getByTestId('quiz-intro').waitFor();
      expect(await page.getByTestId('quiz-fact-questions').textContent()).toBe('6');
      expect(await page.getByTestId('quiz-fact-time-limit').textContent()).toBe('10 minutes');
      expect(await page.getByTestId('quiz-fact-attempts').textContent()).toBe('0 of 3 used, 3 left');
      expect(await page.getByTestId('quiz-fact-pass-mark').textContent()).toBe('60%');
      expect(await page.getByTestId('quiz-manage').count()).toBe(0);
      // Below the quiz, from the learner's progress: loaded apart from the quiz, so maybe not shown yet.
      await poll(() => page.getByTestId('quiz-pass-to-complete').isVisible()).toBe(true);
      expect(await unnamedControls(page)).toEqual([]);
      await snapshot(session, 'quiz-intro', (p) => p.getByTestId('quiz-start'));

      // Attempt 1: wrong answers everywhere.
      await page.getByTestId('quiz-start').click();
      await page.getByTestId('quiz-attempt').waitFor();
      const firstAttempt = attemptIdOf(page);
      expect(
        await page
          .getByTestId('quiz-question')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-kind'))),
      ).toEqual(everyKind.map((each) => each.kind));
      expect(await page.locator('[data-testid="quiz-question"] strong').first().textContent()).toBe('prime');
      expect(await unnamedControls(page)).toEqual([]);
      await answerAll(page, {
        single: '4',
        multiple: ['3'],
        trueFalse: 'False',
        short: 'Lyon',
        numeric: '2.5',
        essay: 'No idea.',
      });
      await poll(() => saveState(page)).toBe('saved');
      expect(await page.getByTestId('quiz-answered').textContent()).toBe('6 of 6 answered');
      await submitWithConfirmation(page);
      expect(await page.getByTestId('quiz-result-outcome').getAttribute('data-status')).toBe('needs_grading');
      expect(await page.getByTestId('quiz-needs-grading').isVisible()).toBe(true);
      // The form is gone: keyboard and screen-reader users start at the result (focused by an effect, which may run
      // a moment after the result is on screen).
      await poll(() => page.evaluate(() => document.activeElement?.id)).toBe('quiz-result-heading');

      await harness.api.gradeEssay(teacher.token, firstAttempt, essayId, 0);
      await page.reload();
      await page.getByTestId('quiz-result').waitFor();
      const outcome = page.getByTestId('quiz-result-outcome');
      expect(await outcome.getAttribute('data-status')).toBe('graded');
      expect(await outcome.getAttribute('data-passed')).toBe('false');
      expect(await page.getByTestId('quiz-result-score').textContent()).toBe('0 of 7');
      const single = page.locator('[data-testid="quiz-feedback-item"][data-kind="single"]');
      expect(await single.getAttribute('data-verdict')).toBe('incorrect');
      expect(await single.getByTestId('quiz-feedback-given').textContent()).toBe('4');
      expect(await single.getByTestId('quiz-feedback-key').textContent()).toBe('7');
      expect(await page.getByTestId('quiz-feedback-item').count()).toBe(6);
      expect(await page.getByTestId('quiz-lesson-completed').count()).toBe(0);

      // Attempt 2: the retake, all right (a comma for the decimal point, odd spacing and case for the text).
      await page.getByTestId('quiz-start').click();
      await poll(() => page.url()).not.toContain(`/attempts/${firstAttempt}`);
      await page.getByTestId('quiz-attempt').waitFor();
      const secondAttempt = attemptIdOf(page);
      expect(await page.getByTestId('quiz-bar').getByRole('heading').textContent()).toBe('Attempt 2');
      await answerAll(page, {
        single: '7',
        multiple: ['2', '8'],
        trueFalse: 'True',
        short: '  paris ',
        numeric: '3,14',
        essay: 'A function that calls itself on a smaller problem.',
      });
      await poll(() => saveState(page)).toBe('saved');
      await submitWithConfirmation(page);
      expect(await page.getByTestId('quiz-result-outcome').getAttribute('data-status')).toBe('needs_grading');

      await harness.api.gradeEssay(teacher.token, secondAttempt, essayId, 2);
      await page.reload();
      await page.getByTestId('quiz-result').waitFor();
      expect(await page.getByTestId('quiz-result-outcome').getAttribute('data-passed')).toBe('true');
      expect(await page.getByTestId('quiz-result-score').textContent()).toBe('7 of 7');
      expect(await page.getByTestId('quiz-result-percent').textContent()).toBe('100%');
      expect(
        await page
          .getByTestId('quiz-feedback-item')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-verdict'))),
      ).toEqual(['correct', 'correct', 'correct', 'correct', 'correct', 'correct']);
      await page.getByTestId('quiz-lesson-completed').waitFor();
      // The completion reaches progress through assessments' outbox; the page follows it.
      await page.getByTestId('lesson-completed').waitFor();
      // The page has re-rendered with progress by now. On the platform's own database the second attempt has the
      // quiz lesson's id, and the page once repeated the result on every re-render when two of its parts were
      // keyed by those equal ids.
      expect(await page.getByTestId('quiz-result').count()).toBe(1);
      expect(await page.getByTestId('lesson-progress-percent').textContent()).toBe('50%');
      await snapshot(session, 'quiz-result', (p) => p.getByTestId('lesson-completed'));

      await page.goto(`/courses/${course.id}`);
      const item = page.locator(`[data-testid="lesson-item"][data-lesson-id="${quizLesson.id}"]`);
      await poll(() => item.getAttribute('data-completed')).toBe('true');
      expect(await page.getByTestId('progress-percent').textContent()).toBe('50%');

      await page.goto(lessonPath);
      await page.getByTestId('quiz-intro').waitFor();
      expect(await page.getByTestId('quiz-grade').getAttribute('data-passed')).toBe('true');
      expect(
        await page
          .getByTestId('quiz-attempt-row')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-passed'))),
      ).toEqual(['true', 'false']);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when the browser clock is 3 minutes behind and the learner reloads mid-attempt, then the answers are still there and the countdown keeps the server deadline',
    async () => {
      const teacher = await account('teacher', 'instructor');
      const learner = await account('learner');
      const { lessonPath } = await quizCourse(teacher.token, { time_limit_seconds: 300 });
      const session = await openSession();
      await session.context.addInitScript(() => {
        const skewMs = -3 * 60_000;
        const RealDate = Date;
        class SkewedDate extends RealDate {
          constructor(...args: unknown[]) {
            if (args.length === 0) super(RealDate.now() + skewMs);
            else super(...(args as ConstructorParameters<DateConstructor>));
          }
          static override now(): number {
            return RealDate.now() + skewMs;
          }
        }
        globalThis.Date = SkewedDate as DateConstructor;
      });
      const { page } = session;
      await page.goto('/login');
      await signIn(session, learner.email, PASSWORD);
      const browserBehind = await page.evaluate(() => Date.now());
      expect(Date.now() - browserBehind).toBeGreaterThan(170_000);

      await page.goto(lessonPath);
      await page.getByTestId('quiz-start').click();
      await page.getByTestId('quiz-attempt').waitFor();
      const attemptId = attemptIdOf(page);
      // Screen readers hear the time left once, politely, soon after the attempt opens.
      await poll(() => page.getByTestId('quiz-countdown-spoken').textContent()).toMatch(
        /^Time left: (5 minutes|4 minutes \d+ seconds)\.$/,
      );
      await question(page, 'single').getByRole('radio', { name: '7', exact: true }).check();
      await question(page, 'multiple').getByRole('checkbox', { name: '8', exact: true }).check();
      await question(page, 'short_text').getByLabel('Your answer').fill('Paris');
      await question(page, 'numeric').getByLabel('Your answer').fill('3.14');
      await question(page, 'essay').getByLabel('Your answer').fill('It calls itself.');
      await poll(() => saveState(page)).toBe('saved');

      const saved = await harness.api.raw(
        'GET',
        `/api/assessments/attempts/${attemptId}`,
        undefined,
        learner.token,
      );
      const attempt = saved.body as AttemptBody;
      expect(attempt.responses).toHaveLength(5);
      const deadline = attempt.deadline ?? '';
      expect(await page.getByTestId('quiz-countdown').getAttribute('data-deadline')).toBe(deadline);
      const before = await countdownAgainstServer(page, deadline);
      expect(Math.abs(before.shown - before.expected)).toBeLessThan(2_000);
      expect(before.text).toMatch(/^4:\d\d$/);

      await page.reload();
      await page.getByTestId('quiz-attempt').waitFor();
      expect(await question(page, 'single').getByRole('radio', { name: '7', exact: true }).isChecked()).toBe(
        true,
      );
      expect(
        await question(page, 'multiple').getByRole('checkbox', { name: '8', exact: true }).isChecked(),
      ).toBe(true);
      expect(
        await question(page, 'multiple').getByRole('checkbox', { name: '2', exact: true }).isChecked(),
      ).toBe(false);
      expect(await question(page, 'short_text').getByLabel('Your answer').inputValue()).toBe('Paris');
      expect(await question(page, 'numeric').getByLabel('Your answer').inputValue()).toBe('3.14');
      expect(await question(page, 'essay').getByLabel('Your answer').inputValue()).toBe('It calls itself.');
      expect(await page.getByTestId('quiz-answered').textContent()).toBe('5 of 6 answered');
      expect(await page.getByTestId('quiz-countdown').getAttribute('data-deadline')).toBe(deadline);
      const after = await countdownAgainstServer(page, deadline);
      expect(Math.abs(after.shown - after.expected)).toBeLessThan(2_000);
      expect(after.shown).toBeLessThan(before.shown);
      expect(await unnamedControls(page)).toEqual([]);
      await snapshot(session, 'quiz-attempt', (p) => p.getByTestId('quiz-countdown'));
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when the deadline passes with the tab closed, then the server submits the saved answer, the quiz shows the attempt graded and more answers are refused',
    async () => {
      const teacher = await account('teacher', 'instructor');
      const learner = await account('learner');
      const graceSeconds = 1;
      const { lessonPath, shortTextId } = await quizCourse(teacher.token, {
        time_limit_seconds: 4,
        grace_seconds: graceSeconds,
        show_answers: 'after_submit',
      });
      const session = await signedIn(learner.email);
      const { page } = session;
      await page.goto(lessonPath);
      await page.getByTestId('quiz-start').click();
      await page.getByTestId('quiz-attempt').waitFor();
      const attemptId = attemptIdOf(page);
      const deadline = (await page.getByTestId('quiz-countdown').getAttribute('data-deadline')) ?? '';
      // A click saves at once, without waiting for a pause in typing.
      await question(page, 'single').getByRole('radio', { name: '7', exact: true }).check();
      await poll(() => saveState(page)).toBe('saved');
      expect(Date.now()).toBeLessThan(Date.parse(deadline));
      await page.close();

      // Past deadline + grace, and a sweep of the server (every second) after that.
      const closeAt = Date.parse(deadline) + graceSeconds * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, closeAt - Date.now()) + 2_500));

      const again = await session.context.newPage();
      await again.goto(lessonPath);
      await again.getByTestId('quiz-intro').waitFor();
      const row = again.locator(`[data-testid="quiz-attempt-row"][data-attempt-id="${attemptId}"]`);
      // The sweep closes the attempt (reading the quiz does not); on a busy machine it may run a little after the wait
      // above, and the page does not refresh by itself: reload until it has.
      let reload = false;
      await poll(async () => {
        if (reload) {
          await again.reload();
          await again.getByTestId('quiz-intro').waitFor();
        }
        reload = true;
        return row.getAttribute('data-status');
      }).toBe('needs_grading');
      expect(await again.getByTestId('quiz-resume').count()).toBe(0);
      await row.getByTestId('quiz-attempt-link').click();
      await again.getByTestId('quiz-result').waitFor();
      expect(await again.getByTestId('quiz-closed-by-server').isVisible()).toBe(true);
      expect(await again.getByTestId('quiz-result-outcome').getAttribute('data-status')).toBe(
        'needs_grading',
      );
      const single = again.locator('[data-testid="quiz-feedback-item"][data-kind="single"]');
      expect(await single.getAttribute('data-verdict')).toBe('correct');
      expect(await single.getByTestId('quiz-feedback-given').textContent()).toBe('7');
      expect(
        await again
          .locator('[data-testid="quiz-feedback-item"][data-kind="short_text"]')
          .getAttribute('data-verdict'),
      ).toBe('incorrect');
      expect(await again.getByTestId('quiz-attempt').count()).toBe(0);

      const late = await harness.api.raw(
        'PUT',
        `/api/assessments/attempts/${attemptId}/answers`,
        { answers: [{ question_id: shortTextId, text: 'Paris' }] },
        learner.token,
      );
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ code: 'attempt_closed' });
      const stored = (
        await harness.api.raw('GET', `/api/assessments/attempts/${attemptId}`, undefined, learner.token)
      ).body as AttemptBody;
      expect(stored).toMatchObject({ status: 'needs_grading', closed_by_server: true });
      expect(stored.responses).toHaveLength(1);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "when the time runs out with the page open, then it stops taking answers, hands in what was saved and shows the server's result",
    async () => {
      const teacher = await account('teacher', 'instructor');
      const learner = await account('learner');
      const { lessonPath } = await quizCourse(teacher.token, {
        time_limit_seconds: 3,
        grace_seconds: 5,
        show_answers: 'after_submit',
      });
      const session = await signedIn(learner.email);
      const { page } = session;
      await page.goto(lessonPath);
      await page.getByTestId('quiz-start').click();
      await page.getByTestId('quiz-attempt').waitFor();
      await question(page, 'single').getByRole('radio', { name: '7', exact: true }).check();
      await question(page, 'short_text').getByLabel('Your answer').fill('Paris');

      await page.getByTestId('quiz-result').waitFor();
      expect(await page.getByTestId('quiz-attempt').count()).toBe(0);
      expect(await page.getByTestId('quiz-closed-by-server').count()).toBe(0);
      expect(await page.getByTestId('quiz-result-outcome').getAttribute('data-status')).toBe('needs_grading');
      expect(
        await page
          .getByTestId('quiz-feedback-item')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-verdict'))),
      ).toEqual(['correct', 'incorrect', 'incorrect', 'correct', 'incorrect', 'pending']);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'when a quiz may not be started (not enrolled, earlier lessons first, not open yet, no attempts left), then the intro says why, in Russian',
    async () => {
      const teacher = await account('teacher', 'instructor');
      const learner = await account('learner');
      const { api } = harness;
      const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString();
      const inviteOnly = await quizCourse(teacher.token, {});
      await api.updateCourse(teacher.token, inviteOnly.course.id, { enrollment: 'invite' });
      const inOrder = await quizCourse(teacher.token, {});
      await api.updateCourse(teacher.token, inOrder.course.id, { sequential: true });
      const notYet = await quizCourse(teacher.token, { opens_at: tomorrow });
      const once = await quizCourse(teacher.token, { max_attempts: 1 });
      const used = await api.raw(
        'POST',
        `/api/assessments/quizzes/${once.quizLesson.id}/attempts`,
        undefined,
        learner.token,
      );
      const usedId = (used.body as { id: number }).id;
      await api.raw('POST', `/api/assessments/attempts/${usedId}/submit`, undefined, learner.token);

      const attemptsPath = /^\/api\/assessments\/quizzes\/\d+\/attempts$/;
      const session = await openSession({
        locale: 'ru-RU',
        expectedFailures: [
          { status: 403, path: attemptsPath },
          { status: 409, path: attemptsPath },
        ],
      });
      const { page } = session;
      await page.goto('/login');
      await signIn(session, learner.email, PASSWORD);

      const refusal = async (lessonPath: string) => {
        await page.goto(lessonPath);
        await page.getByTestId('quiz-start').click();
        const blocked = page.getByTestId('quiz-blocked');
        await blocked.waitFor();
        return { code: await blocked.getAttribute('data-code'), text: await blocked.textContent() };
      };
      expect(await refusal(inviteOnly.lessonPath)).toEqual({
        code: 'not_enrolled',
        text: 'Запишитесь на курс (на странице курса), чтобы пройти тест.',
      });
      expect(await refusal(inOrder.lessonPath)).toEqual({
        code: 'lesson_locked',
        text: 'Этот курс проходят по порядку: сначала пройдите уроки перед тестом.',
      });

      await page.goto(notYet.lessonPath);
      const closed = page.getByTestId('quiz-blocked');
      await closed.waitFor();
      expect(await closed.getAttribute('data-code')).toBe('not_open_yet');
      expect(await closed.textContent()).toMatch(/^Тест откроется /);
      expect(await page.getByTestId('quiz-start').count()).toBe(0);

      await page.goto(once.lessonPath);
      const exhausted = page.getByTestId('quiz-blocked');
      await exhausted.waitFor();
      expect(await exhausted.getAttribute('data-code')).toBe('attempts_exhausted');
      expect(await exhausted.textContent()).toBe('Вы использовали все попытки этого теста.');
      expect(await page.getByTestId('quiz-fact-attempts').textContent()).toBe(
        'использовано 1 из 1, осталось 0',
      );
      expect(await page.getByTestId('quiz-start').count()).toBe(0);
      expect(await page.getByTestId('quiz-attempt-row').count()).toBe(1);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );
});
