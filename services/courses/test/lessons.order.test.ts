import { unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourse,
  createLesson,
  problem,
  startStack,
  user,
  type CourseBody,
  type CourseDetailBody,
  type LessonBody,
  type Stack,
  type TestUser,
} from './support.js';

let stack: Stack;
let owner: TestUser;

beforeAll(async () => {
  stack = await startStack();
  owner = await user('instructor');
});

afterAll(async () => {
  await stack.close();
});

async function courseWith(titles: string[]): Promise<{ course: CourseBody; lessons: LessonBody[] }> {
  const course = await createCourse(stack.app, owner, { title: unique('order') });
  const lessons: LessonBody[] = [];
  for (const title of titles) lessons.push(await createLesson(stack.app, owner, course.id, { title }));
  return { course, lessons };
}

async function titlesInOrder(courseId: number): Promise<string[]> {
  const response = await stack.app.inject({
    url: `/api/courses/${courseId}/lessons`,
    headers: owner.headers,
  });
  const lessons = response.json<LessonBody[]>();
  expect(lessons.map((lesson) => lesson.order)).toEqual(lessons.map((_, index) => index + 1));
  return lessons.map((lesson) => lesson.title);
}

const move = (courseId: number, lessonId: number, order: number) =>
  stack.app.inject({
    method: 'PUT',
    url: `/api/courses/${courseId}/lessons/${lessonId}`,
    headers: owner.headers,
    payload: { order },
  });

describe('positions', () => {
  it('when lessons are added without an order or with 0, then each goes last', async () => {
    const { course, lessons } = await courseWith(['a', 'b']);
    const c = await createLesson(stack.app, owner, course.id, { title: 'c', order: 0 });
    expect([...lessons.map((lesson) => lesson.order), c.order]).toEqual([1, 2, 3]);
  });

  it('when a lesson is added at a position, then the lessons from there on move down one', async () => {
    const { course } = await courseWith(['a', 'b', 'c']);
    const inserted = await createLesson(stack.app, owner, course.id, { title: 'new', order: 2 });
    expect(inserted.order).toBe(2);
    expect(await titlesInOrder(course.id)).toEqual(['a', 'new', 'b', 'c']);
  });

  it('when a lesson is added past the end, then it goes last', async () => {
    const { course } = await courseWith(['a']);
    expect((await createLesson(stack.app, owner, course.id, { title: 'z', order: 99 })).order).toBe(2);
  });

  it('when a lesson moves up, then the lessons it passes move down one', async () => {
    const { course, lessons } = await courseWith(['a', 'b', 'c', 'd', 'e']);
    const response = await move(course.id, lessons[3]?.id ?? 0, 2);
    expect(response.statusCode).toBe(200);
    expect(response.json<LessonBody>()).toMatchObject({ title: 'd', order: 2 });
    expect(await titlesInOrder(course.id)).toEqual(['a', 'd', 'b', 'c', 'e']);
  });

  it('when a lesson moves down, then the lessons it passes move up one', async () => {
    const { course, lessons } = await courseWith(['a', 'b', 'c', 'd', 'e']);
    await move(course.id, lessons[0]?.id ?? 0, 4);
    expect(await titlesInOrder(course.id)).toEqual(['b', 'c', 'd', 'a', 'e']);
  });

  it('when a lesson moves past the end or to 0, then it becomes the last one', async () => {
    const { course, lessons } = await courseWith(['a', 'b', 'c']);
    expect((await move(course.id, lessons[0]?.id ?? 0, 50)).json<LessonBody>().order).toBe(3);
    expect(await titlesInOrder(course.id)).toEqual(['b', 'c', 'a']);
    await move(course.id, lessons[1]?.id ?? 0, 0);
    expect(await titlesInOrder(course.id)).toEqual(['c', 'a', 'b']);
  });

  it('when a lesson is deleted, then the later ones close the gap', async () => {
    const { course, lessons } = await courseWith(['a', 'b', 'c', 'd']);
    await stack.app.inject({
      method: 'DELETE',
      url: `/api/courses/${course.id}/lessons/${lessons[1]?.id ?? 0}`,
      headers: owner.headers,
    });
    expect(await titlesInOrder(course.id)).toEqual(['a', 'c', 'd']);
  });

  it('when lessons are added and removed, then lessons_count follows in the course, its detail and the lists', async () => {
    const { course, lessons } = await courseWith(['a', 'b', 'c']);
    await stack.app.inject({
      method: 'DELETE',
      url: `/api/courses/${course.id}/lessons/${lessons[0]?.id ?? 0}`,
      headers: owner.headers,
    });
    const detail = (await stack.app.inject({ url: `/api/courses/${course.id}` })).json<CourseDetailBody>();
    expect(detail.lessons_count).toBe(2);
    expect(detail.lessons).toHaveLength(2);
    const listed = (await stack.app.inject({ url: `/api/courses?q=${course.title}` })).json<CourseBody[]>();
    expect(listed[0]?.lessons_count).toBe(2);
  });

  it('when the lesson belongs to another course, then moving it is a 404', async () => {
    const { lessons } = await courseWith(['a']);
    const { course: other } = await courseWith(['b']);
    const response = await move(other.id, lessons[0]?.id ?? 0, 1);
    expect(response.statusCode).toBe(404);
    expect(problem(response).code).toBe('lesson_not_found');
  });

  it('when many moves, inserts and deletes run at once, then positions stay 1..n without duplicates', async () => {
    const { course, lessons } = await courseWith(Array.from({ length: 9 }, (_, index) => `l${index}`));
    const writes: Promise<unknown>[] = [];
    // 21 writes: below the pool size (30), so none waits for a connection while the others hold the course lock.
    for (let i = 0; i < 16; i += 1) {
      const lesson = lessons[i % 8];
      writes.push(move(course.id, lesson?.id ?? 0, 1 + ((i * 5) % 9)));
      if (i % 4 === 0)
        writes.push(createLesson(stack.app, owner, course.id, { title: `n${i}`, order: 1 + (i % 6) }));
    }
    writes.push(
      stack.app.inject({
        method: 'DELETE',
        url: `/api/courses/${course.id}/lessons/${lessons[8]?.id ?? 0}`,
        headers: owner.headers,
      }),
    );
    const responses = (await Promise.all(writes)) as { statusCode?: number }[];
    expect(
      responses.every((response) => response.statusCode === undefined || response.statusCode < 300),
    ).toBe(true);

    const titles = await titlesInOrder(course.id);
    expect(titles).toHaveLength(9 + 4 - 1);
    expect(new Set(titles).size).toBe(titles.length);
    const detail = (await stack.app.inject({ url: `/api/courses/${course.id}` })).json<CourseDetailBody>();
    expect(detail.lessons_count).toBe(titles.length);
  });
});

describe('content size', () => {
  const limit = 1_048_576;

  it('when content is exactly 1,048,576 characters, then the lesson is stored whole', async () => {
    const { course } = await courseWith([]);
    const lesson = await createLesson(stack.app, owner, course.id, {
      title: 'big',
      content: 'a'.repeat(limit),
    });
    expect(lesson.content).toHaveLength(limit);
  });

  it('when content is one character over, then creating or updating the lesson is a 413', async () => {
    const { course, lessons } = await courseWith(['small']);
    const content = 'a'.repeat(limit + 1);
    const created = await stack.app.inject({
      method: 'POST',
      url: `/api/courses/${course.id}/lessons`,
      headers: owner.headers,
      payload: { title: 'too big', content },
    });
    expect(created.statusCode).toBe(413);
    expect(problem(created).code).toBe('payload_too_large');

    const updated = await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}/lessons/${lessons[0]?.id ?? 0}`,
      headers: owner.headers,
      payload: { content },
    });
    expect(updated.statusCode).toBe(413);
  });

  it('when the body is far over the limit, then the answer is 413 before it is parsed', async () => {
    const { course } = await courseWith([]);
    const response = await stack.app.inject({
      method: 'POST',
      url: `/api/courses/${course.id}/lessons`,
      headers: owner.headers,
      payload: { title: 'huge', content: 'a'.repeat(2 * limit) },
    });
    expect(response.statusCode).toBe(413);
    expect(problem(response).code).toBe('payload_too_large');
  });

  it('when content is too big and the title is empty too, then the answer is still 413', async () => {
    const { course } = await courseWith([]);
    const response = await stack.app.inject({
      method: 'POST',
      url: `/api/courses/${course.id}/lessons`,
      headers: owner.headers,
      payload: { title: '', content: 'a'.repeat(limit + 1) },
    });
    expect(response.statusCode).toBe(413);
  });

  it('when a course body is over its limit, then the answer is 413', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/api/courses',
      headers: owner.headers,
      payload: { title: 'x', description: 'a'.repeat(100_000) },
    });
    expect(response.statusCode).toBe(413);
  });
});
