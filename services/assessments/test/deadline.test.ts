import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  everyKind,
  newUser,
  putQuiz,
  quizLesson,
  rightAnswers,
  save,
  start,
  startHarness,
  submit,
  type Harness,
  type KeyedQuestionView,
  type StartedView,
  type TestUser,
} from './harness.js';

let harness: Harness;
let owner: TestUser;

beforeAll(async () => {
  harness = await startHarness({ ASSESSMENTS_SWEEP_INTERVAL_MS: '200' });
  owner = await newUser(harness, 'instructor');
});
afterAll(() => harness.close());

async function attemptRow(attemptId: number) {
  const { rows } = await harness.infrastructure.database.query<{
    status: string;
    closed_by_server: boolean;
    score: number | null;
    passed: boolean | null;
  }>('select status, closed_by_server, score, passed from assessments.attempts where id = $1', [attemptId]);
  return rows[0];
}

describe('the server owns the deadline', () => {
  it('when a 2-second quiz is left open, then the server submits what was saved without the learner, and later answers are 409', async () => {
    const { lessonId } = await quizLesson(harness, owner);
    const questions = [everyKind[0], everyKind[3]];
    const keyed = (
      await putQuiz(harness, owner, lessonId, {
        time_limit_seconds: 2,
        grace_seconds: 0,
        pass_percent: 50,
        questions,
      })
    ).json<{ questions: KeyedQuestionView[] }>().questions;
    const learner = await newUser(harness);
    const started = await start(harness, learner, lessonId);
    const attempt = started.json<StartedView>();
    const deadline = Date.parse(attempt.deadline ?? '');
    expect(deadline - Date.now()).toBeLessThanOrEqual(2_000);
    expect((await save(harness, learner, attempt.id, rightAnswers(keyed).slice(0, 1))).statusCode).toBe(200);

    // The learner does nothing more: the sweeper alone closes the attempt.
    await expect
      .poll(async () => (await attemptRow(attempt.id))?.status, { timeout: 10_000, interval: 100 })
      .toBe('graded');
    expect(await attemptRow(attempt.id)).toEqual({
      status: 'graded',
      closed_by_server: true,
      score: 1,
      passed: true,
    });
    await expect
      .poll(() => harness.progress.completionCalls.filter((call) => call.userId === learner.id).length, {
        timeout: 5_000,
      })
      .toBe(1);

    const late = await save(harness, learner, attempt.id, rightAnswers(keyed));
    expect(late.statusCode).toBe(409);
    expect(late.json<{ code: string }>().code).toBe('attempt_closed');
    const submitted = await submit(harness, learner, attempt.id);
    expect(submitted.json()).toMatchObject({ status: 'graded', score: 1 });
  });

  it('when an overdue attempt is read and no sweep has run, then the read closes it', async () => {
    const lazy = await startHarness({ ASSESSMENTS_SWEEP_INTERVAL_MS: '600000' });
    try {
      const teacher = await newUser(lazy, 'instructor');
      const { lessonId } = await quizLesson(lazy, teacher);
      await putQuiz(lazy, teacher, lessonId, {
        time_limit_seconds: 1,
        grace_seconds: 0,
        questions: [everyKind[0]],
      });
      const learner = await newUser(lazy);
      const attempt = (await start(lazy, learner, lessonId)).json<StartedView>();
      await lazy.infrastructure.database.query(
        "update assessments.attempts set deadline = now() - interval '1 minute', close_at = now() - interval '1 minute' where id = $1",
        [attempt.id],
      );

      const read = await lazy.assessments.inject({
        url: `/api/assessments/attempts/${attempt.id}`,
        headers: learner.headers,
      });

      expect(read.json()).toMatchObject({ status: 'graded', closed_by_server: true });
    } finally {
      await lazy.close();
    }
  });

  it('when the time limit outlasts the quiz closing, then the deadline is the close', async () => {
    const { lessonId } = await quizLesson(harness, owner);
    const closesAt = new Date(Date.now() + 60_000);
    await putQuiz(harness, owner, lessonId, {
      time_limit_seconds: 3600,
      closes_at: closesAt.toISOString(),
      questions: [everyKind[0]],
    });

    const attempt = (await start(harness, await newUser(harness), lessonId)).json<StartedView>();

    expect(Date.parse(attempt.deadline ?? '')).toBe(closesAt.getTime());
  });
});
