import { unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourse,
  createLesson,
  problem,
  startReplica,
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
let admin: TestUser;
let otherInstructor: TestUser;
let student: TestUser;

beforeAll(async () => {
  stack = await startStack();
  [owner, admin, otherInstructor, student] = await Promise.all([
    user('instructor'),
    user('admin'),
    user('instructor'),
    user('student'),
  ]);
});

afterAll(async () => {
  await stack.close();
});

const get = (url: string, viewer?: TestUser) =>
  stack.app.inject({ method: 'GET', url, headers: viewer?.headers ?? {} });

async function draftWithLesson(): Promise<{ token: string; course: CourseBody; lesson: LessonBody }> {
  const token = unique('draft');
  const course = await createCourse(stack.app, owner, { title: `${token} draft`, published: false });
  const lesson = await createLesson(stack.app, owner, course.id, { title: 'Secret', content: 'not yet' });
  return { token, course, lesson };
}

describe('drafts', () => {
  it('when a course is created with published false, then it is a draft of its creator', async () => {
    const { course } = await draftWithLesson();
    expect(course).toMatchObject({ published: false, owner_id: owner.id });
  });

  it.each([
    ['anonymous users', undefined],
    ['students', 'student'],
    ['other instructors', 'otherInstructor'],
  ] as const)('when %s ask for a draft, then it does not exist for them anywhere', async (_who, key) => {
    const viewer = key === undefined ? undefined : { student, otherInstructor }[key];
    const { token, course, lesson } = await draftWithLesson();
    for (const url of [
      `/api/courses/${course.id}`,
      `/api/courses/${course.id}/lessons`,
      `/api/courses/${course.id}/lessons/${lesson.id}`,
    ]) {
      const response = await get(url, viewer);
      expect(response.statusCode, url).toBe(404);
      expect(problem(response).code).toBe('course_not_found');
    }
    const list = await get(`/api/courses?q=${token}`, viewer);
    expect(list.json()).toEqual([]);
    expect(list.headers['x-total-count']).toBe('0');
  });

  it.each([
    ['its owner', 'owner'],
    ['an admin', 'admin'],
  ] as const)('when %s asks for a draft, then it comes back marked private', async (_who, key) => {
    const viewer = { owner, admin }[key];
    const { course, lesson } = await draftWithLesson();
    const detail = await get(`/api/courses/${course.id}`, viewer);
    expect(detail.statusCode).toBe(200);
    expect(detail.json<CourseDetailBody>()).toMatchObject({
      id: course.id,
      published: false,
      lessons_count: 1,
    });
    expect(detail.headers['cache-control']).toContain('private');
    expect(detail.headers.etag).toBeTruthy();

    const lessons = await get(`/api/courses/${course.id}/lessons`, viewer);
    expect(lessons.json<LessonBody[]>().map((item) => item.id)).toEqual([lesson.id]);
    expect(lessons.headers['cache-control']).toContain('private');

    const one = await get(`/api/courses/${course.id}/lessons/${lesson.id}`, viewer);
    expect(one.json<LessonBody>().content).toBe('not yet');
    expect(one.headers['cache-control']).toContain('private');
  });

  it('when a draft is viewed by its owner with an unchanged ETag, then the answer is 304', async () => {
    const { course } = await draftWithLesson();
    const first = await get(`/api/courses/${course.id}`, owner);
    const again = await stack.app.inject({
      method: 'GET',
      url: `/api/courses/${course.id}`,
      headers: { ...owner.headers, 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it("when the owner lists owner=me, then their drafts and published courses come, and no one else's", async () => {
    const mine = await user('instructor');
    const draft = await createCourse(stack.app, mine, { title: unique('mine'), published: false });
    const published = await createCourse(stack.app, mine, { title: unique('mine') });
    await createCourse(stack.app, owner, { title: unique('theirs') });
    const response = await get('/api/courses?owner=me', mine);
    expect(response.statusCode).toBe(200);
    expect(response.json<CourseBody[]>().map((course) => course.id)).toEqual([draft.id, published.id]);
    expect(response.headers['x-total-count']).toBe('2');
    expect(response.headers['cache-control']).toContain('private');
  });

  it('when owner=me is asked without a token, then the answer is 401', async () => {
    const response = await get('/api/courses?owner=me');
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
  });

  it('when a draft is published, then everyone sees it at once; unpublished again, it disappears', async () => {
    const { token, course } = await draftWithLesson();
    expect((await get(`/api/courses/${course.id}`)).statusCode).toBe(404);
    expect((await get(`/api/courses?q=${token}`)).json()).toEqual([]);

    const publish = await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}`,
      headers: owner.headers,
      payload: { published: true },
    });
    expect(publish.json<CourseBody>().published).toBe(true);
    const detail = await get(`/api/courses/${course.id}`, student);
    expect(detail.statusCode).toBe(200);
    expect(detail.headers['cache-control']).toContain('public');
    expect((await get(`/api/courses?q=${token}`)).json<CourseBody[]>().map((item) => item.id)).toEqual([
      course.id,
    ]);

    await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}`,
      headers: admin.headers,
      payload: { published: false },
    });
    expect((await get(`/api/courses/${course.id}`)).statusCode).toBe(404);
    expect((await get(`/api/courses/${course.id}/lessons`, student)).statusCode).toBe(404);
    expect((await get(`/api/courses?q=${token}`)).json()).toEqual([]);
  });
});

describe('ownership', () => {
  it('when another instructor changes a published course or its lessons, then the answer is 403', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('owned') });
    const lesson = await createLesson(stack.app, owner, course.id, { title: 'L' });
    const writes = [
      { method: 'PUT', url: `/api/courses/${course.id}`, payload: { title: 'mine now' } },
      { method: 'DELETE', url: `/api/courses/${course.id}` },
      { method: 'POST', url: `/api/courses/${course.id}/lessons`, payload: { title: 'x' } },
      { method: 'PUT', url: `/api/courses/${course.id}/lessons/${lesson.id}`, payload: { order: 1 } },
      { method: 'DELETE', url: `/api/courses/${course.id}/lessons/${lesson.id}` },
    ] as const;
    for (const write of writes) {
      const response = await stack.app.inject({ ...write, headers: otherInstructor.headers });
      expect(response.statusCode, `${write.method} ${write.url}`).toBe(403);
      expect(problem(response).code).toBe('forbidden');
    }
    expect((await get(`/api/courses/${course.id}`)).json<CourseDetailBody>().title).toBe(course.title);
  });

  it('when another instructor tries to change a draft, then it does not exist for them (404)', async () => {
    const { course } = await draftWithLesson();
    const response = await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}`,
      headers: otherInstructor.headers,
      payload: { title: 'x' },
    });
    expect(response.statusCode).toBe(404);
  });

  it("when an admin changes and deletes anyone's course, then it works", async () => {
    const { course, lesson } = await draftWithLesson();
    const renamed = await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}/lessons/${lesson.id}`,
      headers: admin.headers,
      payload: { title: 'Reviewed' },
    });
    expect(renamed.statusCode).toBe(200);
    const deleted = await stack.app.inject({
      method: 'DELETE',
      url: `/api/courses/${course.id}`,
      headers: admin.headers,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await get(`/api/courses/${course.id}`, owner)).statusCode).toBe(404);
  });

  it('when an admin creates a course, then the admin owns it', async () => {
    const course = await createCourse(stack.app, admin, { title: unique('admin') });
    expect(course.owner_id).toBe(admin.id);
  });

  it('when a course is deleted, then its lessons go with it', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('gone') });
    const lesson = await createLesson(stack.app, owner, course.id, { title: 'L' });
    await stack.app.inject({ method: 'DELETE', url: `/api/courses/${course.id}`, headers: owner.headers });
    expect((await get(`/internal/courses/lessons/${lesson.id}`)).statusCode).toBe(404);
    expect((await get(`/api/courses/${course.id}/lessons`)).statusCode).toBe(404);
  });
});

describe('internal endpoints for progress', () => {
  it('when progress asks which course a lesson is in, then it gets the ids, drafts included', async () => {
    const { course, lesson } = await draftWithLesson();
    const response = await get(`/internal/courses/lessons/${lesson.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ lesson_id: lesson.id, course_id: course.id });
  });

  it('when progress asks for an outline, then it gets owner, state and lesson ids in lesson order', async () => {
    const { course, lesson } = await draftWithLesson();
    const first = await createLesson(stack.app, owner, course.id, { title: 'First', order: 1 });
    const response = await get(`/internal/courses/${course.id}/outline`);
    expect(response.json()).toEqual({
      course_id: course.id,
      owner_id: owner.id,
      published: false,
      lesson_ids: [first.id, lesson.id],
      title: course.title,
      enrollment: 'open',
      capacity: null,
      enroll_opens_at: null,
      enroll_closes_at: null,
      sequential: false,
      lessons: [
        { id: first.id, kind: 'text', section_id: null, available_from: null },
        { id: lesson.id, kind: 'text', section_id: null, available_from: null },
      ],
    });
  });

  it('when the course or lesson does not exist, then the internal answers are 404 problems', async () => {
    expect(problem(await get('/internal/courses/9007199254740991/outline')).code).toBe('course_not_found');
    expect(problem(await get('/internal/courses/lessons/9007199254740991')).code).toBe('lesson_not_found');
    expect((await get('/internal/courses/abc/outline')).statusCode).toBe(422);
  });

  it('when a course has no lessons, then its outline has an empty list', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('empty') });
    expect((await get(`/internal/courses/${course.id}/outline`)).json()).toMatchObject({ lesson_ids: [] });
  });

  it('when the public API document is read, then the internal endpoints are not in it', async () => {
    const document = (await get('/api/courses/docs/json')).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(document.paths).some((path) => path.startsWith('/internal'))).toBe(false);
  });

  it('when the rate limit is exhausted, then the internal endpoints still answer', async () => {
    const limited = await startReplica(stack.infrastructure.database, {
      RATE_LIMIT_MAX: '2',
      REDIS_URL: undefined,
    });
    try {
      const course = await createCourse(stack.app, owner, { title: unique('limited') });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        statuses.push(
          (await limited.app.inject({ url: `/internal/courses/${course.id}/outline` })).statusCode,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const publicStatuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        publicStatuses.push((await limited.app.inject({ url: `/api/courses/${course.id}` })).statusCode);
      }
      expect(publicStatuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
