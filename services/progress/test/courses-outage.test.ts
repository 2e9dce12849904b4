import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  complete,
  createCourse,
  newUser,
  progressRows,
  startHarness,
  type Harness,
  type TestUser,
} from './harness.js';

let harness: Harness;
let instructor: TestUser;
/** Accepts connections and never answers: a courses service that hangs. */
let silent: Server;
const silentSockets = new Set<Socket>();
let deadUrl: string;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  harness = await startHarness();
  instructor = await newUser(harness, 'instructor');
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  const closed = createServer();
  deadUrl = `http://127.0.0.1:${await listen(closed)}`;
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await harness.close();
});

describe('when the courses service cannot answer', () => {
  it('when courses refuses connections and nothing is cached, then 503 with Retry-After and no row', async () => {
    const course = await createCourse(harness, instructor, 1);
    const student = await newUser(harness);
    const cut = await harness.progressWith({ COURSES_URL: deadUrl });

    const response = await complete(cut, student, course.lessonIds[0] ?? 0);

    expect(response.statusCode).toBe(503);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.json()).toMatchObject({ status: 503, code: 'courses_unavailable' });
    expect(await progressRows(harness, student.id)).toEqual([]);
    const summary = await cut.inject({ url: `/api/progress/courses/${course.id}`, headers: student.headers });
    expect(summary.statusCode).toBe(503);
  });

  it('when courses hangs past COURSES_TIMEOUT_MS, then 503 in about that time and no row', async () => {
    const course = await createCourse(harness, instructor, 1);
    const student = await newUser(harness);
    const hanging = await harness.progressWith({
      COURSES_URL: `http://127.0.0.1:${await listen(silent)}`,
      COURSES_TIMEOUT_MS: '300',
    });

    const startedAt = performance.now();
    const response = await complete(hanging, student, course.lessonIds[0] ?? 0);

    expect(response.statusCode, response.body).toBe(503);
    expect(response.headers['retry-after']).toBeDefined();
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    expect(await progressRows(harness, student.id)).toEqual([]);
  });

  it('when the lesson was looked up before the outage, then completions still succeed from the cache', async () => {
    const course = await createCourse(harness, instructor, 1);
    const lessonId = course.lessonIds[0] ?? 0;
    const early = await newUser(harness);
    const late = await newUser(harness);
    expect((await complete(harness.progress, early, lessonId)).statusCode).toBe(200);
    // With Redis the entry is read from L2 by this new app; without it the two apps share one cache.
    const cut = await harness.progressWith({ COURSES_URL: deadUrl });

    const response = await complete(cut, late, lessonId);

    expect(response.statusCode).toBe(200);
    expect(await progressRows(harness, late.id)).toEqual([{ lessonId, courseId: course.id }]);
  });

  it('when courses answers with an error, then 503 and the error is not cached', async () => {
    const course = await createCourse(harness, instructor, 1);
    const student = await newUser(harness);
    let healthy = false;
    const flaky = await harness.progressWith(
      {},
      {
        fetchCourses: async (path) => {
          if (!healthy) return { status: 500, body: '{"status":500}' };
          const response = await fetch(`${harness.coursesUrl}${path}`);
          return { status: response.status, body: await response.text() };
        },
      },
    );

    expect((await complete(flaky, student, course.lessonIds[0] ?? 0)).statusCode).toBe(503);
    healthy = true;
    expect((await complete(flaky, student, course.lessonIds[0] ?? 0)).statusCode).toBe(200);
  });
});
