import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addLesson,
  complete,
  createCourse,
  deleteLesson,
  eventually,
  moveLesson,
  newUser,
  startHarness,
  summary,
  uncomplete,
  type Harness,
  type Summary,
  type TestUser,
} from './harness.js';

let harness: Harness;
let instructor: TestUser;

beforeAll(async () => {
  harness = await startHarness();
  instructor = await newUser(harness, 'instructor');
});
afterAll(() => harness.close());

async function completionTimes(student: TestUser): Promise<Map<number, string>> {
  const response = await harness.progress.inject({
    url: '/api/progress/my?limit=200',
    headers: student.headers,
  });
  return new Map(
    response
      .json<{ lesson_id: number; completed_at: string }[]>()
      .map((item) => [item.lesson_id, item.completed_at]),
  );
}

describe('GET /api/progress/courses/:course_id', () => {
  it('when nothing is completed yet, then the summary is empty and resumes at the first lesson', async () => {
    const course = await createCourse(harness, instructor, 3);
    const student = await newUser(harness);

    expect(await summary(harness.progress, student, course.id)).toEqual({
      course_id: course.id,
      completed_lessons: 0,
      total_lessons: 3,
      percent: 0,
      next_lesson_id: course.lessonIds[0],
      last_completed_at: null,
      completed_at: null,
      completed_lesson_ids: [],
    });
  });

  it('when lessons are completed out of order, then percent rounds down and next_lesson_id is the first gap', async () => {
    const course = await createCourse(harness, instructor, 3);
    const [first = 0, second = 0, third = 0] = course.lessonIds;
    const student = await newUser(harness);

    await complete(harness.progress, student, second);
    const one = await summary(harness.progress, student, course.id);
    await complete(harness.progress, student, first);
    const two = await summary(harness.progress, student, course.id);

    expect(one).toMatchObject({
      completed_lessons: 1,
      percent: 33,
      next_lesson_id: first,
      completed_lesson_ids: [second],
    });
    expect(two).toMatchObject({
      completed_lessons: 2,
      percent: 66,
      next_lesson_id: third,
      completed_lesson_ids: [first, second],
      completed_at: null,
    });
    const times = await completionTimes(student);
    expect(two.last_completed_at).toBe(times.get(first));
  });

  it('when the last missing lesson is completed, then the course is complete at that time', async () => {
    const course = await createCourse(harness, instructor, 2);
    const [first = 0, second = 0] = course.lessonIds;
    const student = await newUser(harness);
    await complete(harness.progress, student, second);
    await complete(harness.progress, student, first);

    const done = await summary(harness.progress, student, course.id);

    const times = await completionTimes(student);
    expect(done).toMatchObject({
      completed_lessons: 2,
      total_lessons: 2,
      percent: 100,
      next_lesson_id: null,
    });
    expect(done.completed_at).toBe(times.get(first));
    expect(done.last_completed_at).toBe(times.get(first));
  });

  it('when a lesson is added to a completed course, then percent drops and the new lesson is next', async () => {
    const course = await createCourse(harness, instructor, 2);
    const student = await newUser(harness);
    for (const lessonId of course.lessonIds) await complete(harness.progress, student, lessonId);
    expect((await summary(harness.progress, student, course.id)).percent).toBe(100);

    const added = await addLesson(harness, instructor, course.id);

    await eventually(() => summary(harness.progress, student, course.id)).toMatchObject({
      completed_lessons: 2,
      total_lessons: 3,
      percent: 66,
      next_lesson_id: added,
      completed_at: null,
    } satisfies Partial<Summary>);
  });

  it('when a completed lesson is deleted from the course, then it stops counting', async () => {
    const course = await createCourse(harness, instructor, 3);
    const [first = 0, second = 0, third = 0] = course.lessonIds;
    const student = await newUser(harness);
    await complete(harness.progress, student, first);
    await complete(harness.progress, student, second);

    await deleteLesson(harness, instructor, course.id, second);

    await eventually(() => summary(harness.progress, student, course.id)).toMatchObject({
      completed_lessons: 1,
      total_lessons: 2,
      percent: 50,
      next_lesson_id: third,
      completed_lesson_ids: [first],
    } satisfies Partial<Summary>);
  });

  it('when the only missing lesson is deleted, then the course is complete as of its latest remaining completion', async () => {
    const course = await createCourse(harness, instructor, 3);
    const [first = 0, second = 0, third = 0] = course.lessonIds;
    const student = await newUser(harness);
    await complete(harness.progress, student, third);
    await complete(harness.progress, student, first);
    const times = await completionTimes(student);

    await deleteLesson(harness, instructor, course.id, second);

    await eventually(() => summary(harness.progress, student, course.id)).toEqual({
      course_id: course.id,
      completed_lessons: 2,
      total_lessons: 2,
      percent: 100,
      next_lesson_id: null,
      last_completed_at: times.get(first),
      completed_at: times.get(first),
      completed_lesson_ids: [first, third],
    });
  });

  it('when lessons are reordered, then next_lesson_id and completed_lesson_ids follow the new order', async () => {
    const course = await createCourse(harness, instructor, 3);
    const [first = 0, second = 0, third = 0] = course.lessonIds;
    const student = await newUser(harness);
    await complete(harness.progress, student, second);
    expect((await summary(harness.progress, student, course.id)).next_lesson_id).toBe(first);

    await moveLesson(harness, instructor, course.id, third, 1);

    await eventually(() => summary(harness.progress, student, course.id)).toMatchObject({
      next_lesson_id: third,
      completed_lesson_ids: [second],
    } satisfies Partial<Summary>);
    await complete(harness.progress, student, third);
    await complete(harness.progress, student, first);
    await moveLesson(harness, instructor, course.id, first, 3);
    await eventually(() => summary(harness.progress, student, course.id)).toMatchObject({
      next_lesson_id: null,
      completed_lesson_ids: [third, second, first],
    } satisfies Partial<Summary>);
  });

  it('when a completion is undone, then the course is no longer complete', async () => {
    const course = await createCourse(harness, instructor, 2);
    const [first = 0, second = 0] = course.lessonIds;
    const student = await newUser(harness);
    await complete(harness.progress, student, first);
    await complete(harness.progress, student, second);

    await uncomplete(harness.progress, student, first);

    expect(await summary(harness.progress, student, course.id)).toMatchObject({
      completed_lessons: 1,
      percent: 50,
      next_lesson_id: first,
      completed_at: null,
      completed_lesson_ids: [second],
    });
  });

  it('when the course has no lessons, then percent is 0 and nothing is next or complete', async () => {
    const course = await createCourse(harness, instructor, 0);
    const student = await newUser(harness);

    expect(await summary(harness.progress, student, course.id)).toEqual({
      course_id: course.id,
      completed_lessons: 0,
      total_lessons: 0,
      percent: 0,
      next_lesson_id: null,
      last_completed_at: null,
      completed_at: null,
      completed_lesson_ids: [],
    });
  });

  it('when the course does not exist or is a draft of someone else, then 404 course_not_found', async () => {
    const draft = await createCourse(harness, instructor, 1, { published: false });
    const student = await newUser(harness);

    const missing = await harness.progress.inject({
      url: `/api/progress/courses/${draft.id + 1_000_000}`,
      headers: student.headers,
    });
    const hidden = await harness.progress.inject({
      url: `/api/progress/courses/${draft.id}`,
      headers: student.headers,
    });

    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'course_not_found' });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toMatchObject({ code: 'course_not_found' });
    expect((await summary(harness.progress, instructor, draft.id)).total_lessons).toBe(1);
  });
});

describe('GET /api/progress/my/courses', () => {
  it('when a student is enrolled in several courses, then each summary is listed, newest enrolment first', async () => {
    const student = await newUser(harness);
    const courses = [
      await createCourse(harness, instructor, 2),
      await createCourse(harness, instructor, 1),
      await createCourse(harness, instructor, 2),
    ];
    await createCourse(harness, instructor, 1);
    for (const course of courses) await complete(harness.progress, student, course.lessonIds[0] ?? 0);
    await complete(harness.progress, student, courses[0]?.lessonIds[1] ?? 0);

    const firstPage = await harness.progress.inject({
      url: '/api/progress/my/courses?limit=2',
      headers: student.headers,
    });
    const secondPage = await harness.progress.inject({
      url: '/api/progress/my/courses?limit=2&offset=2',
      headers: student.headers,
    });

    const [a, b, c] = courses.map((course) => course.id);
    const listed = [...firstPage.json<Summary[]>(), ...secondPage.json<Summary[]>()];
    expect(listed.map((item) => item.course_id)).toEqual([c, b, a]);
    expect(listed.map((item) => item.percent)).toEqual([50, 100, 100]);
    expect(listed[2]).toEqual(await summary(harness.progress, student, a ?? 0));
    expect(firstPage.headers['x-total-count']).toBe('3');
    expect(firstPage.headers.link).toBe('</api/progress/my/courses?limit=2&offset=2>; rel="next"');
    expect(secondPage.headers.link).toBeUndefined();
    expect(firstPage.headers['cache-control']).toBe('private, no-store');
  });

  it('when the limit is out of range, then 422', async () => {
    const student = await newUser(harness);

    for (const query of ['limit=0', 'limit=101', 'offset=-1']) {
      const response = await harness.progress.inject({
        url: `/api/progress/my/courses?${query}`,
        headers: student.headers,
      });
      expect(response.statusCode, query).toBe(422);
    }
  });
});
