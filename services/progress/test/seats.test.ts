import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourse,
  newUser,
  startHarness,
  type CourseFixture,
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

async function settings(course: CourseFixture, body: object): Promise<void> {
  const response = await harness.courses.inject({
    method: 'PUT',
    url: `/api/courses/${course.id}`,
    headers: instructor.headers,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(200);
}

async function enroll(course: CourseFixture): Promise<number> {
  const learner = await newUser(harness);
  const response = await harness.progress.inject({
    method: 'POST',
    url: `/api/progress/courses/${course.id}/enrollment`,
    headers: learner.headers,
  });
  return response.statusCode;
}

function seats(courseId: number | string) {
  return harness.progress.inject({ url: `/api/progress/courses/${courseId}/seats` });
}

describe('GET /api/progress/courses/:course_id/seats', () => {
  it('when learners take seats of a limited course, then anyone without a token sees how many are left, down to 0', async () => {
    const course = await createCourse(harness, instructor, 1);
    await settings(course, { capacity: 2 });
    expect((await seats(course.id)).json()).toEqual({ course_id: course.id, capacity: 2, taken: 0, left: 2 });

    expect(await enroll(course)).toBe(201);
    expect((await seats(course.id)).json()).toMatchObject({ taken: 1, left: 1 });

    expect(await enroll(course)).toBe(201);
    expect(await enroll(course)).toBe(409);
    const full = await seats(course.id);
    expect(full.statusCode).toBe(200);
    expect(full.json()).toEqual({ course_id: course.id, capacity: 2, taken: 2, left: 0 });
  });

  it('when a course has no seat limit, then left is null', async () => {
    const course = await createCourse(harness, instructor, 1);
    expect(await enroll(course)).toBe(201);
    expect((await seats(course.id)).json()).toEqual({
      course_id: course.id,
      capacity: null,
      taken: 1,
      left: null,
    });
  });

  it('when the course is a draft or does not exist, then 404 problem+json', async () => {
    const draft = await createCourse(harness, instructor, 1, { published: false });
    for (const id of [draft.id, 9_000_000_000_000]) {
      const response = await seats(id);
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('when the id is not a number, then 4xx problem+json, never a 500', async () => {
    const response = await seats('abc');
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
