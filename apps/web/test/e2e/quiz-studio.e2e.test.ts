/**
 * End to end, DESIGN §12 in the studio: an instructor makes a quiz lesson, authors a question of every kind, pastes
 * GIFT, and grades essays by hand; learners (through the API) take the quiz, which proves the editor saved real keys.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { snapshot, snapshotInPlace } from './browser.js';
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

const quizPath = /^\/api\/assessments\/quizzes\/\d+$/;
const importPath = /^\/api\/assessments\/quizzes\/\d+\/import$/;

interface ShownQuestion {
  kind: string;
  text: string;
  points: string;
  options: { text: string; correct: boolean }[];
  answers: string | null;
  number: string | null;
  tolerance: string | null;
}

/** Every question of the editor as its form controls show it. */
function shownQuestions(page: Page): Promise<ShownQuestion[]> {
  return page.getByTestId('quiz-question').evaluateAll((articles) =>
    articles.map((article) => {
      const value = (testId: string): string | null =>
        article.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
          `[data-testid="${testId}"]`,
        )?.value ?? null;
      return {
        kind: value('question-kind') ?? '',
        text: value('question-text') ?? '',
        points: value('question-points') ?? '',
        options: [...article.querySelectorAll('[data-testid="question-option"]')].map((row) => ({
          text: row.querySelector<HTMLInputElement>('[data-testid="option-text"]')?.value ?? '',
          correct: row.querySelector<HTMLInputElement>('[data-testid="option-correct"]')?.checked ?? false,
        })),
        answers: value('question-answers'),
        number: value('question-number'),
        tolerance: value('question-tolerance'),
      };
    }),
  );
}

interface PaperQuestion {
  id: number;
  kind: string;
  text: string;
  options?: { id: number; text: string }[];
}

interface StartedAttempt {
  id: number;
  questions: PaperQuestion[];
}

interface SubmitResult {
  status: string;
  score: number | null;
  max_score: number | null;
  passed: boolean;
  questions?: { id: number; points: number | null; max_points: number; correct: boolean | null }[];
}

/** A learner enrolled in `courseId` starts the quiz, answers with `answer(question)` and submits. */
async function takeQuiz(
  token: string,
  courseId: number,
  lessonId: number,
  answer: (question: PaperQuestion) => Record<string, unknown>,
): Promise<{ attempt: StartedAttempt; result: SubmitResult }> {
  const { api } = harness;
  await api.enroll(token, courseId);
  const attempt = await api.request<StartedAttempt>(
    'POST',
    `/api/assessments/quizzes/${lessonId}/attempts`,
    token,
  );
  await api.request('PUT', `/api/assessments/attempts/${attempt.id}/answers`, token, {
    answers: attempt.questions.map((question) => ({ question_id: question.id, ...answer(question) })),
  });
  const result = await api.request<SubmitResult>(
    'POST',
    `/api/assessments/attempts/${attempt.id}/submit`,
    token,
  );
  return { attempt, result };
}

function optionIds(question: PaperQuestion, texts: string[]): number[] {
  return (question.options ?? []).filter((option) => texts.includes(option.text)).map((option) => option.id);
}

describe('the quiz studio in Chromium', BROWSER_SUITE, () => {
  it(
    'when an instructor makes a quiz lesson and authors a question of every kind, then it is kept after a reload, GIFT is imported (a broken line named), and a learner is graded by the keys the editor saved',
    async () => {
      const instructor = await account('quiz-author', 'instructor');
      const learner = await account('quiz-learner');
      const id = suffix();
      const course = await harness.api.createCourse(instructor.token, {
        title: `Quizzes ${id}`,
        description: 'A course with a quiz made in the studio.',
        published: true,
      });

      const session = await openSession({
        expectedFailures: [
          { status: 404, path: quizPath },
          { status: 422, path: quizPath },
          { status: 422, path: importPath },
        ],
      });
      const { page } = session;
      await page.goto('/login');
      await signIn(session, instructor.email, PASSWORD);
      await page.goto(`/studio/courses/${course.id}`);

      // A new lesson of kind quiz.
      await page.getByTestId('add-lesson').click();
      await page.getByTestId('lesson-form-title').fill(`Check yourself ${id}`);
      await page.getByTestId('lesson-form-content').fill('Ten minutes, answers saved as you go.');
      await page.getByTestId('lesson-form-kind-quiz').check();
      await page.getByTestId('lesson-form-submit').click();
      await poll(() => page.getByTestId('studio-lesson-quiz').count()).toBe(1);
      const lessonRow = page.getByTestId('studio-lesson-row').filter({ hasText: `Check yourself ${id}` });
      const lessonId = Number(await lessonRow.getAttribute('data-lesson-id'));
      expect(lessonId).toBeGreaterThan(0);
      await lessonRow.getByTestId('lesson-quiz-editor').click();
      await page.getByTestId('quiz-editor-heading').waitFor();
      expect(await page.getByTestId('quiz-save-state').textContent()).toBe('This quiz is not saved yet.');

      // Settings.
      await page.getByTestId('quiz-time-limit').fill('10');
      await page.getByTestId('quiz-max-attempts').fill('3');
      await page.getByTestId('quiz-pass-percent').fill('50');
      await page.getByTestId('quiz-grading-last').check();
      await page.getByTestId('quiz-show-answers-after_submit').check();
      await page.getByTestId('quiz-shuffle-options').check();
      await page.getByTestId('quiz-grace').fill('30');

      // One question of each kind, each added at the end of the list.
      const question = (index: number) => page.getByTestId('quiz-question').nth(index);
      const addQuestion = async (kind: string): Promise<Locator> => {
        const count = await page.getByTestId('quiz-question').count();
        await page.getByTestId('new-question-kind').selectOption(kind);
        await page.getByTestId('add-question').click();
        await poll(() => page.getByTestId('quiz-question').count()).toBe(count + 1);
        return question(count);
      };
      const single = await addQuestion('single');
      await single.getByTestId('question-text').fill('What is **2+2**?');
      await single.getByTestId('question-points').fill('2');
      await single.getByTestId('option-text').nth(0).fill('3');
      await single.getByTestId('option-text').nth(1).fill('4');
      await single.getByTestId('option-correct').nth(1).check();
      await poll(() => single.getByTestId('question-preview').locator('strong').textContent()).toBe('2+2');

      const multiple = await addQuestion('multiple');
      await multiple.getByTestId('question-text').fill('Which of these are primes?');
      await multiple.getByTestId('option-add').click();
      await multiple.getByTestId('option-text').nth(0).fill('2');
      await multiple.getByTestId('option-text').nth(1).fill('3');
      await multiple.getByTestId('option-text').nth(2).fill('4');
      // No correct option yet: the server's complaint must land on this question's options.
      await multiple.getByTestId('option-correct').nth(0).uncheck();

      const trueFalse = await addQuestion('true_false');
      await trueFalse.getByTestId('question-text').fill('The sky is green.');
      await trueFalse.getByTestId('option-correct').nth(1).check();

      const shortText = await addQuestion('short_text');
      await shortText.getByTestId('question-text').fill('The capital of France?');
      await shortText.getByTestId('question-answers').fill('Paris\nParis, France');

      const essay = await addQuestion('essay');
      await essay.getByTestId('question-text').fill('Explain _recursion_ in two sentences.');
      await essay.getByTestId('question-points').fill('5');

      const numeric = await addQuestion('numeric');
      await numeric.getByTestId('question-text').fill('Pi to two decimals?');
      await numeric.getByTestId('question-number').fill('3.14');
      await numeric.getByTestId('question-tolerance').fill('0.01');

      // Reorder: the numeric question goes above the essay (focus follows the moved question).
      await numeric.getByTestId('question-move-up').click();
      await poll(async () => (await shownQuestions(page)).map((each) => each.kind)).toEqual([
        'single',
        'multiple',
        'true_false',
        'short_text',
        'numeric',
        'essay',
      ]);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
        'question-move-up',
      );
      // A question added and removed again is not saved.
      const extra = await addQuestion('single');
      await extra.getByTestId('question-remove').click();
      await poll(() => page.getByTestId('quiz-question').count()).toBe(6);
      expect(await unnamedControls(page)).toEqual([]);

      await page.getByTestId('quiz-save').click();
      await poll(() => question(1).getByTestId('options-error').textContent()).toContain('correct option');
      expect(await question(1).getByTestId('question-options').getAttribute('aria-describedby')).toBeTruthy();
      expect(await page.getByTestId('quiz-save-state').textContent()).toBe('Unsaved changes.');
      await question(1).getByTestId('option-correct').nth(0).check();
      await question(1).getByTestId('option-correct').nth(1).check();
      await page.getByTestId('quiz-save').click();
      await poll(() => page.getByTestId('status-message').textContent()).toBe('Quiz saved.');
      await poll(() => page.getByTestId('quiz-save-state').textContent()).toBe('All changes are saved.');
      expect(await question(1).getByTestId('options-error').count()).toBe(0);

      const expected: ShownQuestion[] = [
        {
          kind: 'single',
          text: 'What is **2+2**?',
          points: '2',
          options: [
            { text: '3', correct: false },
            { text: '4', correct: true },
          ],
          answers: null,
          number: null,
          tolerance: null,
        },
        {
          kind: 'multiple',
          text: 'Which of these are primes?',
          points: '1',
          options: [
            { text: '2', correct: true },
            { text: '3', correct: true },
            { text: '4', correct: false },
          ],
          answers: null,
          number: null,
          tolerance: null,
        },
        {
          kind: 'true_false',
          text: 'The sky is green.',
          points: '1',
          options: [
            { text: 'True', correct: false },
            { text: 'False', correct: true },
          ],
          answers: null,
          number: null,
          tolerance: null,
        },
        {
          kind: 'short_text',
          text: 'The capital of France?',
          points: '1',
          options: [],
          answers: 'Paris\nParis, France',
          number: null,
          tolerance: null,
        },
        {
          kind: 'numeric',
          text: 'Pi to two decimals?',
          points: '1',
          options: [],
          answers: null,
          number: '3.14',
          tolerance: '0.01',
        },
        {
          kind: 'essay',
          text: 'Explain _recursion_ in two sentences.',
          points: '5',
          options: [],
          answers: null,
          number: null,
          tolerance: null,
        },
      ];
      await snapshot(session, 'quiz-editor', (p) => p.getByTestId('quiz-question').nth(5));

      await page.reload();
      await page.getByTestId('quiz-question').nth(5).waitFor();
      expect(await shownQuestions(page)).toEqual(expected);
      expect(await page.getByTestId('quiz-time-limit').inputValue()).toBe('10');
      expect(await page.getByTestId('quiz-max-attempts').inputValue()).toBe('3');
      expect(await page.getByTestId('quiz-pass-percent').inputValue()).toBe('50');
      expect(await page.getByTestId('quiz-grading-last').isChecked()).toBe(true);
      expect(await page.getByTestId('quiz-shuffle-options').isChecked()).toBe(true);
      expect(await page.getByTestId('quiz-shuffle-questions').isChecked()).toBe(false);
      expect(await page.getByTestId('quiz-grace').inputValue()).toBe('30');

      // Unsaved changes are not lost silently: leaving asks first.
      await question(0).getByTestId('question-text').fill('What is **2+2**, really?');
      expect(await page.getByTestId('quiz-save-state').textContent()).toBe('Unsaved changes.');
      await page.getByTestId('quiz-back').click();
      await page.getByTestId('confirm-dialog').waitFor();
      await page.getByTestId('confirm-no').click();
      expect(page.url()).toContain(`/quizzes/${lessonId}`);
      expect(await question(0).getByTestId('question-text').inputValue()).toBe('What is **2+2**, really?');
      // The browser's Back button asks too, and staying keeps the address and the edit.
      await page.goBack({ waitUntil: 'commit' });
      await page.getByTestId('confirm-dialog').waitFor();
      await page.getByTestId('confirm-no').click();
      await poll(() => page.url()).toContain(`/quizzes/${lessonId}`);
      expect(await question(0).getByTestId('question-text').inputValue()).toBe('What is **2+2**, really?');
      await question(0).getByTestId('question-text').fill('What is **2+2**?');
      expect(await page.getByTestId('quiz-save-state').textContent()).toBe('All changes are saved.');

      // GIFT: a broken text names its line; a good one appends its questions.
      await page.getByTestId('gift-text').fill('Fine {=a ~b}\n\nBroken {=x ~y\n\nNext {T}');
      await page.getByTestId('gift-submit').click();
      await poll(() => page.getByTestId('gift-error').textContent()).toMatch(/^Line 3, column \d+:/);
      expect(await page.getByTestId('gift-text').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByTestId('quiz-question').count()).toBe(6);
      await snapshotInPlace(session, 'quiz-gift-error', (p) => p.getByTestId('gift-error'));

      await page.getByTestId('gift-text').fill('What is 3*3? {=9 ~6 ~8}\n\nPython is a snake. {T}\n');
      await page.getByTestId('gift-submit').click();
      await poll(() => page.getByTestId('status-message').textContent()).toBe('2 questions imported.');
      await poll(() => page.getByTestId('quiz-question').count()).toBe(8);
      expect(await page.getByTestId('gift-error').count()).toBe(0);
      expect(await page.getByTestId('quiz-save-state').textContent()).toBe('All changes are saved.');
      const imported = (await shownQuestions(page)).slice(6);
      expect(imported.map((each) => [each.kind, each.text])).toEqual([
        ['single', 'What is 3*3?'],
        ['true_false', 'Python is a snake.'],
      ]);
      expect(imported[0]?.options.filter((option) => option.correct).map((option) => option.text)).toEqual([
        '9',
      ]);
      await page.reload();
      await page.getByTestId('quiz-question').nth(7).waitFor();
      expect((await shownQuestions(page)).slice(0, 6)).toEqual(expected);

      // A learner answers every question right except the imported true/false one.
      const { attempt, result } = await takeQuiz(learner.token, course.id, lessonId, (paper) => {
        switch (paper.text) {
          case 'What is **2+2**?':
            return { option_ids: optionIds(paper, ['4']) };
          case 'Which of these are primes?':
            return { option_ids: optionIds(paper, ['2', '3']) };
          case 'The sky is green.':
            return { option_ids: optionIds(paper, ['False']) };
          case 'The capital of France?':
            return { text: '  paris, FRANCE ' };
          case 'Pi to two decimals?':
            return { number: 3.145 };
          case 'Explain _recursion_ in two sentences.':
            return { text: 'A function that calls itself. It stops at a base case.' };
          case 'What is 3*3?':
            return { option_ids: optionIds(paper, ['9']) };
          default:
            return { option_ids: optionIds(paper, ['False']) };
        }
      });
      expect(attempt.questions).toHaveLength(8);
      expect(result.status).toBe('needs_grading');
      const textOf = new Map(attempt.questions.map((paper) => [paper.id, paper.text]));
      const outcomes: Record<string, [number | null, boolean | null]> = {};
      for (const each of result.questions ?? []) {
        outcomes[textOf.get(each.id) ?? `question ${each.id}`] = [each.points, each.correct];
      }
      expect(outcomes).toEqual({
        'What is **2+2**?': [2, true],
        'Which of these are primes?': [1, true],
        'The sky is green.': [1, true],
        'The capital of France?': [1, true],
        'Pi to two decimals?': [1, true],
        'Explain _recursion_ in two sentences.': [null, null],
        'What is 3*3?': [1, true],
        'Python is a snake.': [0, false],
      });

      // The attempt now waits in the grading queue linked from the editor.
      await page.getByTestId('quiz-grading-link').click();
      await poll(() => page.getByTestId('grading-learner').textContent()).toBe(`${learner.email}, attempt 1`);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS * 2,
  );

  it(
    'when a learner submits an essay, then the instructor grades it in the queue, the attempt leaves it graded and passing completes the lesson',
    async () => {
      const instructor = await account('quiz-grader', 'instructor');
      const learner = await account('essay-writer');
      const { api } = harness;
      const id = suffix();
      const course = await api.createCourse(instructor.token, {
        title: `Essays ${id}`,
        description: 'Graded by hand.',
        published: true,
      });
      const lesson = await api.request<{ id: number }>(
        'POST',
        `/api/courses/${course.id}/lessons`,
        instructor.token,
        { title: `Essay quiz ${id}`, content: 'Write.', kind: 'quiz' },
      );
      await api.request('PUT', `/api/assessments/quizzes/${lesson.id}`, instructor.token, {
        pass_percent: 60,
        questions: [
          {
            kind: 'single',
            text: 'Pick yes.',
            points: 1,
            options: [
              { text: 'yes', correct: true },
              { text: 'no', correct: false },
            ],
          },
          { kind: 'essay', text: 'Why do we **test**?', points: 4 },
        ],
      });
      const { attempt, result } = await takeQuiz(learner.token, course.id, lesson.id, (paper) =>
        paper.kind === 'essay'
          ? { text: 'To **know** it works. <script>window.pwned = 1</script>' }
          : { option_ids: optionIds(paper, ['yes']) },
      );
      expect(result.status).toBe('needs_grading');
      const before = await api.request<{ completed_lessons: number }>(
        'GET',
        `/api/progress/courses/${course.id}`,
        learner.token,
      );
      expect(before.completed_lessons).toBe(0);

      const session = await openSession();
      const { page } = session;
      await page.goto('/login');
      await signIn(session, instructor.email, PASSWORD);

      // On the quiz lesson itself the owner sees what learners see, and the way to the editor, the grading queue
      // and the statistics.
      await page.goto(`/courses/${course.id}/lessons/${lesson.id}`);
      await page.getByTestId('quiz-manage').waitFor();
      const studioQuiz = `/studio/courses/${course.id}/quizzes/${lesson.id}`;
      expect(await page.getByTestId('quiz-manage-grading').getAttribute('href')).toBe(
        `${studioQuiz}/grading`,
      );
      expect(await page.getByTestId('quiz-manage-stats').getAttribute('href')).toBe(`${studioQuiz}/stats`);
      await page.getByTestId('quiz-intro').waitFor();
      await snapshot(session, 'quiz-manage', (p) => p.getByTestId('quiz-manage-stats'));
      await page.getByTestId('quiz-manage-editor').click();
      await poll(() => page.getByTestId('quiz-editor-heading').textContent()).toBe(`Quiz: Essay quiz ${id}`);

      await page.goto(`/studio/courses/${course.id}`);
      await page.getByTestId('lesson-quiz-grading').click();
      const queued = page.locator(`[data-testid="grading-attempt"][data-attempt-id="${attempt.id}"]`);
      await poll(() => queued.getByTestId('grading-learner').textContent()).toBe(
        `${learner.email}, attempt 1`,
      );
      expect(await queued.getByTestId('essay-question').locator('strong').textContent()).toBe('test');
      const answer = queued.getByTestId('essay-answer');
      expect(await answer.locator('strong').textContent()).toBe('know');
      expect(await answer.locator('script').count()).toBe(0);
      expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
      expect(await unnamedControls(page)).toEqual([]);
      await snapshot(session, 'grading-queue', (p) => p.getByTestId('essay-points'));

      await queued.getByTestId('essay-points').fill('3');
      await queued.getByTestId('essay-comment').fill('Good point about knowing.');
      await queued.getByTestId('essay-save').click();
      await poll(() => page.getByTestId('status-message').textContent()).toBe(
        `${learner.email}: graded, 80 %, passed.`,
      );
      await page.getByTestId('grading-empty').waitFor();

      const graded = await api.request<{
        status: string;
        percent: number;
        passed: boolean;
        results: { id: number; points: number | null; comment: string | null }[];
      }>('GET', `/api/assessments/attempts/${attempt.id}`, learner.token);
      expect(graded).toMatchObject({ status: 'graded', percent: 80, passed: true });
      const essayId = attempt.questions.find((paper) => paper.kind === 'essay')?.id;
      expect(graded.results.find((each) => each.id === essayId)).toMatchObject({
        points: 3,
        comment: 'Good point about knowing.',
      });
      await poll(async () => {
        const progress = await api.request<{ completed_lessons: number; percent: number }>(
          'GET',
          `/api/progress/courses/${course.id}`,
          learner.token,
        );
        return [progress.completed_lessons, progress.percent];
      }).toEqual([1, 100]);

      await page.reload();
      await page.getByTestId('grading-empty').waitFor();
      await page.getByTestId('lang-switch').selectOption('ru');
      await poll(() => page.getByTestId('grading-empty').textContent()).toBe('Нет попыток, ждущих проверки.');
      expect(await page.getByTestId('grading-heading').textContent()).toBe(`Проверка: Essay quiz ${id}`);
      expectCleanSessions();
    },
    TEST_TIMEOUT_MS,
  );
});
