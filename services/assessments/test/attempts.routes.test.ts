import type { LightMyRequestResponse } from 'fastify';
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
  harness = await startHarness();
  owner = await newUser(harness, 'instructor');
});
afterAll(() => harness.close());

async function quizWith(settings: Record<string, unknown>, questions: readonly unknown[] = everyKind) {
  const { lessonId } = await quizLesson(harness, owner);
  const quiz = (await putQuiz(harness, owner, lessonId, { ...settings, questions })).json<{
    questions: KeyedQuestionView[];
  }>();
  return { lessonId, keyed: quiz.questions };
}

/**
 * Names that only a key has: a learner must never receive any of them (nor `number` inside a question, the
 * numeric key) before the show_answers policy allows.
 */
const keyNames = new Set(['correct', 'answers', 'tolerance', 'key', 'accepted', 'results']);

function keyPaths(value: unknown, path = '$', inQuestion = false): string[] {
  if (Array.isArray(value))
    return value.flatMap((item, index) => keyPaths(item, `${path}[${index}]`, inQuestion));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([name, child]) => {
    const here = `${path}.${name}`;
    const leaked = keyNames.has(name) || (inQuestion && name === 'number') ? [here] : [];
    return [...leaked, ...keyPaths(child, here, name === 'questions')];
  });
}

function expectNoKeys(response: LightMyRequestResponse) {
  expect(keyPaths(JSON.parse(response.body)), `${response.statusCode} ${response.body}`).toEqual([]);
}

describe('taking a quiz', () => {
  it('when a learner starts, then the answer is 201 with the paper and no key; starting again resumes it (200)', async () => {
    const { lessonId } = await quizWith({});
    const learner = await newUser(harness);

    const started = await start(harness, learner, lessonId);

    expect(started.statusCode, started.body).toBe(201);
    expect(started.headers['content-type']).toContain('application/json');
    expect(started.headers['cache-control']).toBe('private, no-store');
    const attempt = started.json<StartedView>();
    expect(attempt.questions).toHaveLength(6);
    expect(attempt.deadline).toBeNull();
    expectNoKeys(started);
    const answered = attempt.questions.find((question) => question.kind === 'single');
    expect(
      (
        await save(harness, learner, attempt.id, [
          { question_id: answered?.id, option_ids: [answered?.options?.[0]?.id] },
        ])
      ).statusCode,
    ).toBe(200);

    const resumed = await start(harness, learner, lessonId);

    expect(resumed.statusCode).toBe(200);
    const again = resumed.json<StartedView>();
    expect(again.id).toBe(attempt.id);
    expect(again.questions).toEqual(attempt.questions);
    expect(again.responses).toEqual([
      { question_id: answered?.id, option_ids: [answered?.options?.[0]?.id] },
    ]);
    expectNoKeys(resumed);
  });

  it('when every answer is right, then submit grades the objective kinds and the essay waits for a person', async () => {
    const { lessonId, keyed } = await quizWith({ pass_percent: 50 });
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();

    const saved = await save(harness, learner, attempt.id, rightAnswers(keyed));
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json<{ saved_at: string }>().saved_at).toEqual(expect.any(String));
    const result = await submit(harness, learner, attempt.id);

    expect(result.statusCode, result.body).toBe(200);
    expect(result.json()).toMatchObject({
      id: attempt.id,
      status: 'needs_grading',
      score: 5,
      max_score: 7,
      passed: false,
    });
    const again = await save(harness, learner, attempt.id, rightAnswers(keyed));
    expect(again.statusCode).toBe(409);
    expect(again.json<{ code: string }>().code).toBe('attempt_closed');
  });

  it('when the same attempt is read again, then its questions and options come in the same seeded order', async () => {
    const { lessonId } = await quizWith({ shuffle_questions: true, shuffle_options: true, draw: 4 });
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();

    const read = await harness.assessments.inject({
      url: `/api/assessments/attempts/${attempt.id}`,
      headers: learner.headers,
    });

    expect(attempt.questions).toHaveLength(4);
    expect(read.json<StartedView>().questions).toEqual(attempt.questions);
    expectNoKeys(read);
  });

  it('when 30 learners start, then the draws and orders differ between attempts (the seed is per attempt)', async () => {
    const { lessonId } = await quizWith({ shuffle_questions: true, shuffle_options: true });
    const orders = new Set<string>();
    for (let index = 0; index < 30; index += 1) {
      const attempt = (await start(harness, await newUser(harness), lessonId)).json<StartedView>();
      orders.add(
        JSON.stringify(
          attempt.questions.map((question) => [question.id, question.options?.map((option) => option.id)]),
        ),
      );
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('when max_attempts are used, then another start is 409 attempts_exhausted', async () => {
    const { lessonId } = await quizWith({ max_attempts: 1 }, [everyKind[0]]);
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();
    await submit(harness, learner, attempt.id);

    const again = await start(harness, learner, lessonId);

    expect(again.statusCode).toBe(409);
    expect(again.json<{ code: string }>().code).toBe('attempts_exhausted');
  });

  it('when the quiz is not open yet or has closed, then starting is 403 quiz_closed', async () => {
    const later = await quizWith({ opens_at: new Date(Date.now() + 3_600_000).toISOString() }, [
      everyKind[0],
    ]);
    const earlier = await quizWith({ closes_at: new Date(Date.now() - 1000).toISOString() }, [everyKind[0]]);
    const learner = await newUser(harness);

    for (const lessonId of [later.lessonId, earlier.lessonId]) {
      const response = await start(harness, learner, lessonId);
      expect(response.statusCode).toBe(403);
      expect(response.json<{ code: string }>().code).toBe('quiz_closed');
    }
  });

  it('when progress says the learner is not enrolled, then starting is 403 not_enrolled and nothing is stored', async () => {
    const { lessonId } = await quizWith({}, [everyKind[0]]);
    const learner = await newUser(harness);
    harness.progress.refusals.set(learner.id, { status: 403, code: 'not_enrolled', detail: 'Enrol first.' });

    const response = await start(harness, learner, lessonId);

    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'not_enrolled', detail: 'Enrol first.' });
    const { rows } = await harness.infrastructure.database.query(
      'select 1 from assessments.attempts where user_id = $1',
      [learner.id],
    );
    expect(rows).toHaveLength(0);
  });

  it('when someone else reads or writes an attempt, then the answer is 404', async () => {
    const { lessonId } = await quizWith({}, [everyKind[0]]);
    const learner = await newUser(harness);
    const other = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();

    const read = await harness.assessments.inject({
      url: `/api/assessments/attempts/${attempt.id}`,
      headers: other.headers,
    });
    const write = await save(harness, other, attempt.id, []);

    expect([read.statusCode, write.statusCode]).toEqual([404, 404]);
  });
});

describe('no key reaches a learner before the show_answers policy allows', () => {
  it('when show_answers is never or after_close (still open), then every learner-facing answer of a whole attempt is key-free', async () => {
    for (const show_answers of ['never', 'after_close']) {
      const { lessonId, keyed } = await quizWith({ show_answers, max_attempts: 2 });
      const learner = await newUser(harness);
      const responses: LightMyRequestResponse[] = [];
      const record = async (response: Promise<LightMyRequestResponse>) => {
        const answered = await response;
        responses.push(answered);
        return answered;
      };

      await record(
        harness.assessments.inject({ url: `/api/assessments/quizzes/${lessonId}`, headers: learner.headers }),
      );
      const attempt = (await record(start(harness, learner, lessonId))).json<StartedView>();
      await record(save(harness, learner, attempt.id, rightAnswers(keyed).slice(0, 3)));
      await record(start(harness, learner, lessonId));
      await record(
        harness.assessments.inject({
          url: `/api/assessments/attempts/${attempt.id}`,
          headers: learner.headers,
        }),
      );
      await record(save(harness, learner, attempt.id, rightAnswers(keyed)));
      await record(submit(harness, learner, attempt.id));
      await record(submit(harness, learner, attempt.id));
      await record(
        harness.assessments.inject({
          url: `/api/assessments/attempts/${attempt.id}`,
          headers: learner.headers,
        }),
      );
      await record(
        harness.assessments.inject({ url: `/api/assessments/quizzes/${lessonId}`, headers: learner.headers }),
      );
      await record(save(harness, learner, attempt.id, rightAnswers(keyed)));
      await record(
        harness.assessments.inject({
          url: `/api/assessments/quizzes/${lessonId}/stats`,
          headers: learner.headers,
        }),
      );
      await record(
        harness.assessments.inject({
          url: `/api/assessments/quizzes/${lessonId}/attempts`,
          headers: learner.headers,
        }),
      );

      expect(responses.map((response) => response.statusCode)).toEqual([
        200, 201, 200, 200, 200, 200, 200, 200, 200, 200, 409, 403, 403,
      ]);
      for (const response of responses) expectNoKeys(response);
    }
  });

  it('when show_answers is after_submit, then results with keys come only once the attempt is submitted', async () => {
    const { lessonId, keyed } = await quizWith({ show_answers: 'after_submit' }, everyKind.slice(0, 5));
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();
    await save(harness, learner, attempt.id, rightAnswers(keyed));
    expectNoKeys(
      await harness.assessments.inject({
        url: `/api/assessments/attempts/${attempt.id}`,
        headers: learner.headers,
      }),
    );

    const result = await submit(harness, learner, attempt.id);

    expect(result.json()).toMatchObject({
      status: 'graded',
      score: 5,
      max_score: 5,
      percent: 100,
      passed: true,
    });
    const questions = result.json<{ questions: { id: number; correct: boolean; key: unknown }[] }>()
      .questions;
    expect(questions.map((question) => question.correct)).toEqual([true, true, true, true, true]);
    expect(questions[3]?.key).toEqual({ accepted: ['Paris'] });
    // The walker that finds nothing above does find keys where they are.
    expect(keyPaths(result.json())).not.toEqual([]);
  });

  it('when show_answers is after_close and the learner has used every attempt, then the results are shown', async () => {
    const { lessonId } = await quizWith({ show_answers: 'after_close', max_attempts: 1 }, [everyKind[0]]);
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();

    const result = await submit(harness, learner, attempt.id);

    expect(result.json<{ questions?: unknown[] }>().questions).toHaveLength(1);
  });
});

describe('grading and completion', () => {
  it('when an essay is graded by hand and the grade passes, then the lesson is completed in progress exactly once', async () => {
    const { lessonId, keyed } = await quizWith({ pass_percent: 80 });
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();
    await save(harness, learner, attempt.id, rightAnswers(keyed));
    await submit(harness, learner, attempt.id);
    const queue = await harness.assessments.inject({
      url: `/api/assessments/quizzes/${lessonId}/attempts?status=needs_grading`,
      headers: owner.headers,
    });
    expect(queue.json<{ id: number }[]>().map((each) => each.id)).toEqual([attempt.id]);
    expect(queue.headers['x-total-count']).toBe('1');
    harness.progress.failNextCompletions = 2;
    const essay = keyed.find((question) => question.kind === 'essay');

    const graded = await harness.assessments.inject({
      method: 'POST',
      url: `/api/assessments/attempts/${attempt.id}/grades`,
      headers: owner.headers,
      payload: { question_id: essay?.id, points: 1.5, comment: 'Good, but say when it stops.' },
    });
    expect(graded.statusCode, graded.body).toBe(200);
    expect(graded.json()).toMatchObject({ status: 'graded', score: 6.5, max_score: 7, passed: true });
    await harness.assessments.inject({
      method: 'POST',
      url: `/api/assessments/attempts/${attempt.id}/grades`,
      headers: owner.headers,
      payload: { question_id: essay?.id, points: 2 },
    });

    const delivered = () =>
      harness.progress.completionCalls.filter((call) => call.userId === learner.id && call.status === 200)
        .length;
    await expect.poll(delivered, { timeout: 10_000, interval: 50 }).toBe(1);
    const calls = harness.progress.completionCalls.filter((call) => call.userId === learner.id);
    expect(calls.map((call) => call.status)).toEqual([503, 503, 200]);
    expect(calls.every((call) => call.lessonId === lessonId)).toBe(true);
    const view = await harness.assessments.inject({
      url: `/api/assessments/attempts/${attempt.id}`,
      headers: learner.headers,
    });
    expect(
      view.json<{ results: { comment: string | null; points: number | null }[] }>().results.at(-1),
    ).toMatchObject({ points: 2 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(delivered()).toBe(1);
  });

  it('when a learner grades an attempt, then the answer is 403; an objective question is 409 not_hand_graded', async () => {
    const { lessonId, keyed } = await quizWith({});
    const learner = await newUser(harness);
    const attempt = (await start(harness, learner, lessonId)).json<StartedView>();
    await submit(harness, learner, attempt.id);
    const grade = (user: TestUser, questionId: number | undefined) =>
      harness.assessments.inject({
        method: 'POST',
        url: `/api/assessments/attempts/${attempt.id}/grades`,
        headers: user.headers,
        payload: { question_id: questionId, points: 1 },
      });

    expect((await grade(learner, keyed[5]?.id)).statusCode).toBe(403);
    const objective = await grade(owner, keyed[0]?.id);
    expect(objective.statusCode).toBe(409);
    expect(objective.json<{ code: string }>().code).toBe('not_hand_graded');
  });

  it('when learners of different ability answer, then item statistics report attempts, means, share correct and discrimination', async () => {
    const questions = [everyKind[0], everyKind[3], everyKind[4]];
    const { lessonId, keyed } = await quizWith({}, questions);
    const right = rightAnswers(keyed);
    // Three strong learners answer all, three weak ones only the first.
    for (const answered of [3, 3, 3, 1, 1, 1]) {
      const learner = await newUser(harness);
      const attempt = (await start(harness, learner, lessonId)).json<StartedView>();
      await save(harness, learner, attempt.id, right.slice(0, answered));
      await submit(harness, learner, attempt.id);
    }

    const stats = await harness.assessments.inject({
      url: `/api/assessments/quizzes/${lessonId}/stats`,
      headers: owner.headers,
    });

    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toEqual([
      expect.objectContaining({
        question_id: keyed[0]?.id,
        attempts: 6,
        mean_score: 1,
        share_correct: 1,
        discrimination: 0,
      }),
      expect.objectContaining({
        question_id: keyed[1]?.id,
        attempts: 6,
        mean_score: 0.5,
        share_correct: 0.5,
        discrimination: 1,
      }),
      expect.objectContaining({
        question_id: keyed[2]?.id,
        attempts: 6,
        mean_score: 0.5,
        share_correct: 0.5,
        discrimination: 1,
      }),
    ]);
  });
});

describe('autosave group commit', () => {
  it('when 60 learners autosave at once, then every save is stored and acknowledged', async () => {
    const { lessonId, keyed } = await quizWith({}, [everyKind[3]]);
    const learners = await Promise.all(Array.from({ length: 60 }, () => newUser(harness)));
    const attempts = await Promise.all(
      learners.map(async (learner) => (await start(harness, learner, lessonId)).json<StartedView>()),
    );

    const saves = await Promise.all(
      learners.map((learner, index) =>
        save(harness, learner, attempts[index]?.id ?? 0, [
          { question_id: keyed[0]?.id, text: `answer ${index}` },
        ]),
      ),
    );

    expect(saves.map((response) => response.statusCode)).toEqual(Array<number>(60).fill(200));
    const { rows } = await harness.infrastructure.database.query<{ text: string }>(
      `select response->>'text' as text from assessments.answers where attempt_id = any($1::bigint[]) order by attempt_id`,
      [attempts.map((attempt) => attempt.id)],
    );
    expect(rows.map((row) => row.text).sort()).toEqual(
      learners.map((_learner, index) => `answer ${index}`).sort(),
    );
  });
});
