import { registry } from '@lectern/kit';
import { testConfig } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, progressConfigSchema, type CoursesResponse } from '../src/index.js';
import {
  complete,
  createCourse,
  newUser,
  progressRows,
  setPublished,
  startHarness,
  summary,
  uncomplete,
  type Harness,
  type TestUser,
} from './harness.js';

let harness: Harness;
let instructor: TestUser;

beforeAll(async () => {
  harness = await startHarness();
  instructor = await newUser(harness, 'instructor');
});
afterAll(() => harness.close());

async function insertStatements(): Promise<number> {
  const metric = await registry.getSingleMetric('db_queries_total')?.get();
  return metric?.values.find((value) => value.labels.operation === 'insert')?.value ?? 0;
}

describe('POST /api/progress/:lesson_id/complete', () => {
  it('when a student completes a lesson, then the answer is 200 {ok, lesson_id} and /my lists it', async () => {
    const course = await createCourse(harness, instructor, 2);
    const student = await newUser(harness);
    const lessonId = course.lessonIds[0] ?? 0;

    const response = await complete(harness.progress, student, lessonId);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, lesson_id: lessonId });
    expect(response.headers['cache-control']).toBe('private, no-store');
    const my = await harness.progress.inject({ url: '/api/progress/my', headers: student.headers });
    expect(my.json()).toEqual([{ lesson_id: lessonId, completed_at: expect.any(String) as string }]);
    expect(await progressRows(harness, student.id)).toEqual([{ lessonId, courseId: course.id }]);
  });

  it('when a completion is repeated, then the answer is the same and the first completion time is kept', async () => {
    const course = await createCourse(harness, instructor, 1);
    const student = await newUser(harness);
    const lessonId = course.lessonIds[0] ?? 0;
    const first = await complete(harness.progress, student, lessonId);
    const before = await harness.progress.inject({ url: '/api/progress/my', headers: student.headers });

    const again = await complete(harness.progress, student, lessonId);

    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    const after = await harness.progress.inject({ url: '/api/progress/my', headers: student.headers });
    expect(after.body).toBe(before.body);
  });

  it('when 50 identical completions arrive at once, then all fifty answer 200 and one row is written', async () => {
    const course = await createCourse(harness, instructor, 1);
    const student = await newUser(harness);
    const lessonId = course.lessonIds[0] ?? 0;

    const responses = await Promise.all(
      Array.from({ length: 50 }, () => complete(harness.progress, student, lessonId)),
    );

    expect(responses.map((response) => response.statusCode)).toEqual(Array<number>(50).fill(200));
    expect(new Set(responses.map((response) => response.body))).toEqual(
      new Set([JSON.stringify({ ok: true, lesson_id: lessonId })]),
    );
    expect(await progressRows(harness, student.id)).toEqual([{ lessonId, courseId: course.id }]);
    expect((await summary(harness.progress, student, course.id)).completed_lessons).toBe(1);
  });

  it('when 200 students complete lessons at the same moment, then far fewer than 200 inserts run', async () => {
    const course = await createCourse(harness, instructor, 2);
    const students = await Promise.all(Array.from({ length: 200 }, () => newUser(harness)));
    const before = await insertStatements();

    const responses = await Promise.all(
      students.map((student, index) => complete(harness.progress, student, course.lessonIds[index % 2] ?? 0)),
    );

    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect(await insertStatements()).toBeLessThanOrEqual(before + 20);
    const counts = await Promise.all(
      students.map(async (student) => (await progressRows(harness, student.id)).length),
    );
    expect(counts).toEqual(Array<number>(200).fill(1));
  });

  it('when the lesson does not exist, then 404 lesson_not_found and nothing is recorded', async () => {
    const student = await newUser(harness);
    const course = await createCourse(harness, instructor, 1);
    const missing = (course.lessonIds[0] ?? 0) + 1_000_000;

    const response = await complete(harness.progress, student, missing);

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ status: 404, code: 'lesson_not_found' });
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await progressRows(harness, student.id)).toEqual([]);
  });

  it('when the lesson is in a draft, then other students get 404 while its owner and admins may complete it', async () => {
    const course = await createCourse(harness, instructor, 1, { published: false });
    const lessonId = course.lessonIds[0] ?? 0;
    const student = await newUser(harness);
    const admin = await newUser(harness, 'admin');

    expect((await complete(harness.progress, student, lessonId)).statusCode).toBe(404);
    expect((await complete(harness.progress, instructor, lessonId)).statusCode).toBe(200);
    expect((await complete(harness.progress, admin, lessonId)).statusCode).toBe(200);
    expect(await progressRows(harness, student.id)).toEqual([]);
  });
});

describe('DELETE /api/progress/:lesson_id/complete', () => {
  it('when a completed lesson is un-completed, then 204 and it no longer counts', async () => {
    const course = await createCourse(harness, instructor, 2);
    const student = await newUser(harness);
    const [first = 0, second = 0] = course.lessonIds;
    await complete(harness.progress, student, first);
    await complete(harness.progress, student, second);

    const response = await uncomplete(harness.progress, student, second);

    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers['cache-control']).toBe('private, no-store');
    expect(await summary(harness.progress, student, course.id)).toMatchObject({
      completed_lessons: 1,
      completed_lesson_ids: [first],
      next_lesson_id: second,
      completed_at: null,
    });
    const my = await harness.progress.inject({ url: '/api/progress/my', headers: student.headers });
    expect(my.json()).toEqual([{ lesson_id: first, completed_at: expect.any(String) as string }]);
    expect(my.headers['x-total-count']).toBe('1');
  });

  it('when the lesson was not completed, then 204 all the same', async () => {
    const course = await createCourse(harness, instructor, 1);
    const student = await newUser(harness);

    expect((await uncomplete(harness.progress, student, course.lessonIds[0] ?? 0)).statusCode).toBe(204);
    expect((await uncomplete(harness.progress, student, course.lessonIds[0] ?? 0)).statusCode).toBe(204);
  });

  it('when the lesson does not exist, then 404', async () => {
    const student = await newUser(harness);
    const course = await createCourse(harness, instructor, 1);

    const response = await uncomplete(harness.progress, student, (course.lessonIds[0] ?? 0) + 1_000_000);

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'lesson_not_found' });
  });

  it('when the last completion of a course is undone, then the course stays in /my/courses at 0 %: the learner is still enrolled', async () => {
    const course = await createCourse(harness, instructor, 1);
    const student = await newUser(harness);
    await complete(harness.progress, student, course.lessonIds[0] ?? 0);

    await uncomplete(harness.progress, student, course.lessonIds[0] ?? 0);

    const mine = await harness.progress.inject({ url: '/api/progress/my/courses', headers: student.headers });
    expect(mine.json()).toMatchObject([{ course_id: course.id, completed_lessons: 0, percent: 0 }]);
    expect(mine.headers['x-total-count']).toBe('1');
  });
});

describe('GET /api/progress/my', () => {
  it('when a student pages through completions, then they come newest first with X-Total-Count and Link', async () => {
    const course = await createCourse(harness, instructor, 3);
    const student = await newUser(harness);
    for (const lessonId of course.lessonIds) await complete(harness.progress, student, lessonId);
    const newestFirst = [...course.lessonIds].reverse();

    const firstPage = await harness.progress.inject({
      url: '/api/progress/my?limit=2&offset=0',
      headers: student.headers,
    });
    const secondPage = await harness.progress.inject({
      url: '/api/progress/my?limit=2&offset=2',
      headers: student.headers,
    });

    expect(firstPage.json<{ lesson_id: number }[]>().map((item) => item.lesson_id)).toEqual(
      newestFirst.slice(0, 2),
    );
    expect(firstPage.headers['x-total-count']).toBe('3');
    expect(firstPage.headers.link).toBe('</api/progress/my?limit=2&offset=2>; rel="next"');
    expect(secondPage.json<{ lesson_id: number }[]>().map((item) => item.lesson_id)).toEqual(
      newestFirst.slice(2),
    );
    expect(secondPage.headers.link).toBeUndefined();
    const times = [
      ...firstPage.json<{ completed_at: string }[]>(),
      ...secondPage.json<{ completed_at: string }[]>(),
    ];
    for (const item of times) expect(new Date(item.completed_at).toISOString()).toBe(item.completed_at);
  });

  it.each(['limit=0', 'limit=201', 'limit=abc', 'offset=-1'])(
    'when the query has %s, then 422',
    async (query) => {
      const student = await newUser(harness);

      const response = await harness.progress.inject({
        url: `/api/progress/my?${query}`,
        headers: student.headers,
      });

      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'validation_failed' });
    },
  );
});

describe('bad input and other users', () => {
  it.each(['abc', '0', '-1', '99999999999999999999', '1.5'])(
    'when the lesson id is %s, then every lesson route answers 422',
    async (id) => {
      const student = await newUser(harness);

      const responses = await Promise.all([
        complete(harness.progress, student, id),
        uncomplete(harness.progress, student, id),
        harness.progress.inject({ url: `/api/progress/courses/${id}`, headers: student.headers }),
      ]);

      for (const response of responses) {
        expect(response.statusCode, response.body).toBe(422);
        expect(response.json()).toMatchObject({ status: 422, code: 'validation_failed' });
      }
    },
  );

  it('when there is no token or a bad one, then every route answers 401 with WWW-Authenticate', async () => {
    const course = await createCourse(harness, instructor, 1);
    const lessonId = course.lessonIds[0] ?? 0;
    const expired = await harness.issuer.sign(
      { id: 5, email: 'old@example.test', role: 'student' },
      { expiresIn: -10 },
    );
    const requests = [
      { method: 'POST' as const, url: `/api/progress/${lessonId}/complete` },
      { method: 'POST' as const, url: '/api/progress/abc/complete' },
      { method: 'DELETE' as const, url: `/api/progress/${lessonId}/complete` },
      { method: 'GET' as const, url: '/api/progress/my' },
      { method: 'GET' as const, url: '/api/progress/my/courses' },
      { method: 'GET' as const, url: `/api/progress/courses/${course.id}` },
    ];
    for (const authorization of [
      undefined,
      'Bearer not-a-token',
      `Bearer ${expired}`,
      'Basic dXNlcjpwYXNz',
    ]) {
      for (const request of requests) {
        const response = await harness.progress.inject({
          ...request,
          headers: authorization ? { authorization } : {},
        });
        expect(response.statusCode, `${request.method} ${request.url} with ${authorization}`).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(response.headers['cache-control']).toBe('private, no-store');
      }
    }
  });

  it("when two students work on the same course, then neither sees nor changes the other's progress", async () => {
    const course = await createCourse(harness, instructor, 2);
    const [first = 0, second = 0] = course.lessonIds;
    const alice = await newUser(harness);
    const bob = await newUser(harness);
    await complete(harness.progress, alice, first);
    await complete(harness.progress, alice, second);

    expect((await uncomplete(harness.progress, bob, first)).statusCode).toBe(204);

    expect(await summary(harness.progress, bob, course.id)).toMatchObject({
      completed_lessons: 0,
      percent: 0,
    });
    expect(await summary(harness.progress, alice, course.id)).toMatchObject({
      completed_lessons: 2,
      percent: 100,
    });
    const bobs = await harness.progress.inject({ url: '/api/progress/my', headers: bob.headers });
    expect(bobs.json()).toEqual([]);
    expect(bobs.headers['x-total-count']).toBe('0');
    const bobsCourses = await harness.progress.inject({
      url: '/api/progress/my/courses',
      headers: bob.headers,
    });
    expect(bobsCourses.json()).toEqual([]);
    expect(await progressRows(harness, alice.id)).toHaveLength(2);
  });

  it('when a course is unpublished, then students no longer see its summary but keep their rows', async () => {
    const owner = await newUser(harness, 'instructor');
    const course = await createCourse(harness, owner, 1);
    const student = await newUser(harness);
    await complete(harness.progress, student, course.lessonIds[0] ?? 0);

    await setPublished(harness, owner, course.id, false);

    await expect
      .poll(
        async () =>
          (
            await harness.progress.inject({
              url: `/api/progress/courses/${course.id}`,
              headers: student.headers,
            })
          ).statusCode,
        { timeout: 2_000, interval: 20 },
      )
      .toBe(404);
    const mine = await harness.progress.inject({ url: '/api/progress/my/courses', headers: student.headers });
    expect(mine.json()).toEqual([]);
    expect(await progressRows(harness, student.id)).toHaveLength(1);
  });
});

describe('service surface', () => {
  it('when the OpenAPI document is requested, then it describes every progress route with bearer security', async () => {
    const response = await harness.progress.inject({ url: '/api/progress/docs/json' });

    expect(response.statusCode).toBe(200);
    const document = response.json<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/progress/courses/{course_id}',
        '/api/progress/my',
        '/api/progress/my/courses',
        '/api/progress/{lesson_id}/complete',
      ]),
    );
    expect(document.paths['/api/progress/{lesson_id}/complete']?.post?.security).toEqual([
      { bearerAuth: [] },
    ]);
  });

  it('when the health aliases are asked, then they answer without a token', async () => {
    for (const url of ['/health', '/api/progress/health', '/health/ready']) {
      const response = await harness.progress.inject({ url });
      expect(response.statusCode, url).toBe(200);
    }
  });
});

describe('shutdown', () => {
  // The app below opens an infrastructure of its own (an embedded database, without DATABASE_URL): a longer timeout.
  it('when the app closes while completions wait for their batch, then they are committed before it stops', async () => {
    const courses = [await createCourse(harness, instructor, 1), await createCourse(harness, instructor, 1)];
    // Courses' real answers, served from memory; a completion's last step before it is queued is its outline.
    const answers = new Map<string, CoursesResponse>();
    for (const course of courses) {
      for (const path of [
        `/internal/courses/lessons/${course.lessonIds[0]}`,
        `/internal/courses/${course.id}/outline`,
      ]) {
        const response = await fetch(`${harness.coursesUrl}${path}`);
        answers.set(path, { status: response.status, body: await response.text() });
      }
    }
    let outlinesServed = 0;
    const fetchCourses = (path: string) => {
      if (path.endsWith('/outline')) outlinesServed += 1;
      return Promise.resolve(answers.get(path) ?? { status: 404, body: '{}' });
    };
    // Its own infrastructure, which it closes itself (without Redis, whose entries from earlier runs on an
    // embedded database could answer for these ids), and a batch window far longer than the test takes.
    const config = testConfig(progressConfigSchema, {
      PROGRESS_BATCH_WINDOW_MS: '1000',
      REDIS_URL: undefined,
    });
    const app = await buildApp(config, {
      getKey: harness.issuer.getKey,
      logger: false,
      fetchCourses,
    });
    const students = await Promise.all([newUser(harness), newUser(harness)]);
    let answered = 0;
    const pending = students.map((student, index) =>
      complete(app, student, courses[index]?.lessonIds[0] ?? 0).finally(() => (answered += 1)),
    );
    await expect.poll(() => outlinesServed, { timeout: 5_000, interval: 5 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(0);

    await app.close();

    const responses = await Promise.all(pending);
    expect(
      responses.map((response) => response.statusCode),
      responses.map((response) => response.body).join(' | '),
    ).toEqual([200, 200]);
  }, 120_000);
});
