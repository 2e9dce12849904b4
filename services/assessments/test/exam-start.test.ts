import { dbQueriesTotal } from '@lectern/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  everyKind,
  newUser,
  putQuiz,
  quizLesson,
  save,
  start,
  startHarness,
  type Harness,
  type StartedView,
  type TestUser,
} from './harness.js';

let harness: Harness;
let owner: TestUser;

beforeAll(async () => {
  // The deadline sweeper and the completions relay query on their own timers: here they wait, so that every query
  // counted below is the request's.
  harness = await startHarness({
    ASSESSMENTS_SWEEP_INTERVAL_MS: '600000',
    ASSESSMENTS_OUTBOX_INTERVAL_MS: '600000',
    // Long enough that requests sent together land in one batch.
    ASSESSMENTS_AUTOSAVE_WINDOW_MS: '100',
  });
  owner = await newUser(harness, 'instructor');
});
afterAll(() => harness.close());

/** Queries by operation run while `work` ran (this process: the assessments and courses apps of the harness). */
async function queriesDuring(work: () => Promise<unknown>): Promise<Record<string, number>> {
  const count = async () => {
    const counted: Record<string, number> = {};
    for (const value of (await dbQueriesTotal.get()).values) {
      const operation = String(value.labels.operation);
      counted[operation] = (counted[operation] ?? 0) + value.value;
    }
    return counted;
  };
  const before = await count();
  await work();
  const after = await count();
  return Object.fromEntries(
    Object.entries(after)
      .map(([operation, total]) => [operation, total - (before[operation] ?? 0)] as const)
      .filter(([, difference]) => difference > 0),
  );
}

async function timedQuiz() {
  const { lessonId } = await quizLesson(harness, owner);
  const questions = Array.from({ length: 10 }, (_unused, index) => ({
    ...everyKind[3],
    text: `Question ${index + 1}`,
  }));
  await putQuiz(harness, owner, lessonId, { time_limit_seconds: 3600, shuffle_questions: true, questions });
  return lessonId;
}

describe('the exam-start path', () => {
  it('when the paper is cached, then a start is one insert and nothing else reaches the database', async () => {
    const lessonId = await timedQuiz();
    // The first start fills the caches (paper, course outline) once for every later one.
    expect((await start(harness, await newUser(harness), lessonId)).statusCode).toBe(201);
    const learner = await newUser(harness);

    let started: StartedView | undefined;
    const queries = await queriesDuring(async () => {
      const response = await start(harness, learner, lessonId);
      expect(response.statusCode, response.body).toBe(201);
      started = response.json<StartedView>();
    });

    expect(queries).toEqual({ insert: 1 });
    expect(started?.questions).toHaveLength(10);
  });

  it('when an autosave is taken, then it is one statement and nothing else reaches the database', async () => {
    const lessonId = await timedQuiz();
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();

    const queries = await queriesDuring(async () => {
      const response = await save(harness, learner, attempt.id, [
        { question_id: attempt.questions[0]?.id, text: 'first' },
        { question_id: attempt.questions[1]?.id, text: 'second' },
      ]);
      expect(response.statusCode, response.body).toBe(200);
    });

    expect(queries).toEqual({ insert: 1 });
  });

  it('when two learners start at once and one starts twice, then each has one attempt and the second start resumes it', async () => {
    const lessonId = await timedQuiz();
    const [first, second] = [await newUser(harness), await newUser(harness)];

    const answers = await Promise.all([
      start(harness, first, lessonId),
      start(harness, second, lessonId),
      start(harness, first, lessonId),
    ]);

    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 201, 201]);
    const [a, b, c] = answers.map((answer) => answer.json<StartedView>());
    expect(c?.id).toBe(a?.id);
    expect(c?.questions).toEqual(a?.questions);
    expect(b?.id).not.toBe(a?.id);
  });
});

describe('autosaves in one batch', () => {
  it('when someone else names my attempt in the same batch, then my save is taken and theirs is 404', async () => {
    const lessonId = await timedQuiz();
    const [owner, intruder] = [await newUser(harness), await newUser(harness)];
    const attempt = (await start(harness, owner, lessonId)).json<StartedView>();
    const questionId = attempt.questions[0]?.id;

    // The intruder's save comes last in the batch: before the fix it replaced the owner's answer there, and the
    // owner's open attempt was answered 422 question_not_in_attempt.
    const [mine, theirs] = await Promise.all([
      save(harness, owner, attempt.id, [{ question_id: questionId, text: 'mine' }]),
      save(harness, intruder, attempt.id, [{ question_id: questionId, text: 'theirs' }]),
    ]);

    expect(mine.statusCode, mine.body).toBe(200);
    expect(theirs.statusCode, theirs.body).toBe(404);
    const { rows } = await harness.infrastructure.database.query<{ text: string }>(
      `select response->>'text' as text from assessments.answers where attempt_id = $1`,
      [attempt.id],
    );
    expect(rows).toEqual([{ text: 'mine' }]);
  });

  it("when the quiz is edited during an attempt, then only questions of the attempt's paper take answers", async () => {
    const { lessonId } = await quizLesson(harness, owner);
    const first = (
      await putQuiz(harness, owner, lessonId, {
        questions: [everyKind[3], { ...everyKind[3], text: 'Kept?' }],
      })
    ).json<{ questions: { id: number }[] }>().questions;
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();
    const edited = (
      await putQuiz(harness, owner, lessonId, {
        questions: [
          { ...everyKind[3], id: first[0]?.id },
          { ...everyKind[3], text: 'Added later' },
        ],
      })
    ).json<{ questions: { id: number }[] }>().questions;
    const added = edited.find((question) => !first.some((each) => each.id === question.id));

    const outside = await save(harness, learner, attempt.id, [{ question_id: added?.id, text: 'x' }]);
    const removed = await save(harness, learner, attempt.id, [{ question_id: first[1]?.id, text: 'y' }]);

    expect(outside.statusCode, outside.body).toBe(422);
    expect(outside.body).toContain(`question ${added?.id ?? 0} is not in this attempt`);
    expect(removed.statusCode, removed.body).toBe(200);
  });
});
