import { unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourse,
  createLesson,
  problem,
  startApp,
  user,
  type CourseBody,
  type CourseDetailBody,
  type LessonBody,
  type CoursesApp,
  type TestUser,
} from './support.js';

let stack: { app: CoursesApp };
let instructor: TestUser;

beforeAll(async () => {
  stack = { app: await startApp() };
  instructor = await user('instructor');
});

afterAll(async () => {
  await stack.app.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  stack.app.inject({ method: 'GET', url, headers });

/** Three published courses whose titles share a token no other course has, so `q=` selects exactly them. */
async function threeCourses(): Promise<{ token: string; courses: CourseBody[] }> {
  const token = unique('tok');
  const courses: CourseBody[] = [];
  for (const name of ['alpha', 'beta', 'gamma']) {
    courses.push(
      await createCourse(stack.app, instructor, { title: `${token} ${name}`, description: `About ${name}` }),
    );
  }
  return { token, courses };
}

describe('codERROR behaviour', () => {
  it('when the list is asked with limit and offset, then it is a JSON array of courses ordered by id', async () => {
    const { token, courses } = await threeCourses();
    const response = await get(`/api/courses?limit=2&offset=1&q=${token}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    const page = response.json<CourseBody[]>();
    expect(page.map((course) => course.id)).toEqual([courses[1]?.id, courses[2]?.id]);
    expect(page[0]).toEqual({
      id: courses[1]?.id,
      title: `${token} beta`,
      description: 'About beta',
      owner_id: instructor.id,
      published: true,
      lessons_count: 0,
      enrollment: 'open',
      capacity: null,
      enroll_opens_at: null,
      enroll_closes_at: null,
      sequential: false,
      created_at: expect.any(String) as string,
      updated_at: expect.any(String) as string,
    });
  });

  it('when no paging is given, then at most 10 courses come back in ascending id order', async () => {
    const response = await get('/api/courses');
    expect(response.statusCode).toBe(200);
    const ids = response.json<CourseBody[]>().map((course) => course.id);
    expect(ids.length).toBeLessThanOrEqual(10);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['limit=-1', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['limit=1.5', 'query.limit'],
    ['offset=-1', 'query.offset'],
    ['offset=abc', 'query.offset'],
    ['offset=100000000000000000000', 'query.offset'],
    ['owner=you', 'query.owner'],
    [`q=${'x'.repeat(201)}`, 'query.q'],
  ])('when the list is asked with %s, then the answer is 422 naming %s', async (query, field) => {
    const response = await get(`/api/courses?${query}`);
    expect(response.statusCode).toBe(422);
    expect(problem(response).errors?.map((error) => error.field)).toContain(field);
  });

  it.each([
    ['garbage characters', '%21%21%21'],
    ['a base64url string that is no id', Buffer.from('hello').toString('base64url')],
    ['an encoded zero', Buffer.from('0').toString('base64url')],
    ['an encoded negative id', Buffer.from('-5').toString('base64url')],
    ['an id past 2^53', Buffer.from('99999999999999999999').toString('base64url')],
    ['a non-canonical encoding', `${Buffer.from('12').toString('base64url')}=`],
    ['an overlong cursor', 'A'.repeat(40)],
  ])('when the cursor is %s, then the answer is 422', async (_name, cursor) => {
    const response = await get(`/api/courses?cursor=${cursor}`);
    expect(response.statusCode).toBe(422);
    expect(problem(response).errors?.map((error) => error.field)).toContain('query.cursor');
  });

  it('when a cursor comes with a non-zero offset, then the answer is 422 on the offset', async () => {
    const cursor = Buffer.from('1').toString('base64url');
    const response = await get(`/api/courses?cursor=${cursor}&offset=5`);
    expect(response.statusCode).toBe(422);
    expect(problem(response).errors?.[0]?.field).toBe('query.offset');
  });

  it('when a course has lessons, then its lesson list has them all by order with their content', async () => {
    const course = await createCourse(stack.app, instructor, { title: unique('lessons') });
    const second = await createLesson(stack.app, instructor, course.id, { title: 'Two', content: '## two' });
    const first = await createLesson(stack.app, instructor, course.id, {
      title: 'One',
      content: '# one',
      order: 1,
    });
    const response = await get(`/api/courses/${course.id}/lessons`);
    expect(response.statusCode).toBe(200);
    const lessons = response.json<LessonBody[]>();
    expect(lessons.map((lesson) => [lesson.id, lesson.order, lesson.content])).toEqual([
      [first.id, 1, '# one'],
      [second.id, 2, '## two'],
    ]);
    expect(lessons[0]).toMatchObject({ course_id: course.id, title: 'One' });
  });

  it('when the course does not exist, then its lessons are a 404 "course not found"', async () => {
    const response = await get('/api/courses/9007199254740991/lessons');
    expect(response.statusCode).toBe(404);
    expect(problem(response)).toMatchObject({ code: 'course_not_found', detail: 'Course not found.' });
  });

  it('when an instructor creates, partly updates and deletes a course, then the answers are 201, 200 and 204', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/api/courses',
      headers: instructor.headers,
      payload: { title: 'Draft title', description: 'First words' },
    });
    expect(created.statusCode).toBe(201);
    const course = created.json<CourseBody>();
    expect(course).toMatchObject({ title: 'Draft title', description: 'First words', published: true });
    expect(course.owner_id).toBe(instructor.id);

    const updated = await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}`,
      headers: instructor.headers,
      payload: { title: 'Final title' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json<CourseBody>()).toMatchObject({
      id: course.id,
      title: 'Final title',
      description: 'First words',
    });
    expect((await get(`/api/courses/${course.id}`)).json<CourseBody>().title).toBe('Final title');

    const deleted = await stack.app.inject({
      method: 'DELETE',
      url: `/api/courses/${course.id}`,
      headers: instructor.headers,
    });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await get(`/api/courses/${course.id}`)).statusCode).toBe(404);
  });

  it('when an instructor creates, updates and deletes a lesson, then the answers are 201, 200 and 204', async () => {
    const course = await createCourse(stack.app, instructor, { title: unique('crud') });
    const created = await stack.app.inject({
      method: 'POST',
      url: `/api/courses/${course.id}/lessons`,
      headers: instructor.headers,
      payload: { title: 'Intro', content: '# Hello', order: 0 },
    });
    expect(created.statusCode).toBe(201);
    const lesson = created.json<LessonBody>();
    expect(lesson).toMatchObject({ course_id: course.id, title: 'Intro', content: '# Hello', order: 1 });

    const updated = await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}/lessons/${lesson.id}`,
      headers: instructor.headers,
      payload: { content: '# Hello, world' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json<LessonBody>()).toMatchObject({ title: 'Intro', content: '# Hello, world', order: 1 });

    const deleted = await stack.app.inject({
      method: 'DELETE',
      url: `/api/courses/${course.id}/lessons/${lesson.id}`,
      headers: instructor.headers,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await get(`/api/courses/${course.id}/lessons/${lesson.id}`)).statusCode).toBe(404);
  });
});

describe('bad input', () => {
  it.each(['abc', '0', '-1', '1.5', '99999999999999999999', '9007199254740992'])(
    'when the course id is %s, then every course route answers 422, never 500',
    async (id) => {
      const urls = [`/api/courses/${id}`, `/api/courses/${id}/lessons`, `/api/courses/${id}/lessons/1`];
      for (const url of urls) {
        const response = await get(url);
        expect(response.statusCode, url).toBe(422);
        expect(problem(response).errors?.[0]?.field).toBe('params.id');
      }
      for (const method of ['PUT', 'DELETE'] as const) {
        const response = await stack.app.inject({
          method,
          url: `/api/courses/${id}`,
          headers: instructor.headers,
          payload: { title: 'x' },
        });
        expect(response.statusCode, method).toBe(422);
      }
      const lesson = await get(`/api/courses/1/lessons/${id}`);
      expect(lesson.statusCode).toBe(422);
      expect(problem(lesson).errors?.[0]?.field).toBe('params.lesson_id');
    },
  );

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['256 characters long', 'x'.repeat(256)],
    ['null', null],
  ])('when the title is %s, then creating a course or a lesson is a 422', async (_name, title) => {
    const course = await stack.app.inject({
      method: 'POST',
      url: '/api/courses',
      headers: instructor.headers,
      payload: { title },
    });
    expect(course.statusCode).toBe(422);
    expect(problem(course).errors?.map((error) => error.field)).toContain('body.title');

    const existing = await createCourse(stack.app, instructor, { title: unique('t') });
    const lesson = await stack.app.inject({
      method: 'POST',
      url: `/api/courses/${existing.id}/lessons`,
      headers: instructor.headers,
      payload: { title },
    });
    expect(lesson.statusCode).toBe(422);
    const rename = await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${existing.id}`,
      headers: instructor.headers,
      payload: { title },
    });
    expect(rename.statusCode).toBe(422);
  });

  it('when the title is 255 characters long, then the course is created', async () => {
    const title = 'é'.repeat(255);
    expect((await createCourse(stack.app, instructor, { title })).title).toBe(title);
  });

  it('when a partial update has no known field, then the answer is 422', async () => {
    const course = await createCourse(stack.app, instructor, { title: unique('t') });
    const response = await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}`,
      headers: instructor.headers,
      payload: { colour: 'red' },
    });
    expect(response.statusCode).toBe(422);
  });

  it('when a write has no token, then the answer is 401 with WWW-Authenticate', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/api/courses', payload: { title: 'x' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
  });

  it('when a write carries a bad token, then the answer is 401 invalid_token', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/api/courses',
      headers: { authorization: 'Bearer not-a-jwt' },
      payload: { title: 'x' },
    });
    expect(response.statusCode).toBe(401);
    expect(problem(response).code).toBe('invalid_token');
  });

  it('when a student writes, then the answer is 403 for every write route', async () => {
    const student = await user('student');
    const course = await createCourse(stack.app, instructor, { title: unique('t') });
    const lesson = await createLesson(stack.app, instructor, course.id, { title: 'L' });
    const writes = [
      { method: 'POST', url: '/api/courses', payload: { title: 'x' } },
      { method: 'PUT', url: `/api/courses/${course.id}`, payload: { title: 'x' } },
      { method: 'DELETE', url: `/api/courses/${course.id}` },
      { method: 'POST', url: `/api/courses/${course.id}/lessons`, payload: { title: 'x' } },
      { method: 'PUT', url: `/api/courses/${course.id}/lessons/${lesson.id}`, payload: { title: 'x' } },
      { method: 'DELETE', url: `/api/courses/${course.id}/lessons/${lesson.id}` },
    ] as const;
    for (const write of writes) {
      const response = await stack.app.inject({ ...write, headers: student.headers });
      expect(response.statusCode, `${write.method} ${write.url}`).toBe(403);
    }
  });

  it('when the body is not JSON, then the answer is 400', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/api/courses',
      headers: { ...instructor.headers, 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(response.statusCode).toBe(400);
  });
});

describe('new endpoints', () => {
  it('when a course is asked for, then it comes with its lesson summaries in order', async () => {
    const course = await createCourse(stack.app, instructor, {
      title: unique('detail'),
      description: 'Details',
    });
    const b = await createLesson(stack.app, instructor, course.id, { title: 'B', content: 'long text' });
    const a = await createLesson(stack.app, instructor, course.id, { title: 'A', order: 1 });
    const response = await get(`/api/courses/${course.id}`);
    expect(response.statusCode).toBe(200);
    const detail = response.json<CourseDetailBody>();
    expect(detail).toMatchObject({
      id: course.id,
      description: 'Details',
      lessons_count: 2,
      published: true,
    });
    expect(detail.lessons).toEqual([
      { id: a.id, title: 'A', order: 1, kind: 'text', section_id: null },
      { id: b.id, title: 'B', order: 2, kind: 'text', section_id: null },
    ]);
    expect(detail.sections).toEqual([]);
  });

  it('when one lesson is asked for, then it comes whole; from another course it is a 404', async () => {
    const course = await createCourse(stack.app, instructor, { title: unique('one') });
    const other = await createCourse(stack.app, instructor, { title: unique('other') });
    const lesson = await createLesson(stack.app, instructor, course.id, {
      title: 'Only',
      content: '*markdown*',
    });
    const response = await get(`/api/courses/${course.id}/lessons/${lesson.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json<LessonBody>()).toEqual(lesson);

    const elsewhere = await get(`/api/courses/${other.id}/lessons/${lesson.id}`);
    expect(elsewhere.statusCode).toBe(404);
    expect(problem(elsewhere).code).toBe('lesson_not_found');
    expect(problem(await get(`/api/courses/9007199254740991/lessons/${lesson.id}`)).code).toBe(
      'course_not_found',
    );
  });

  it('when q is given, then titles and descriptions match case-insensitively', async () => {
    const token = unique('srch');
    const byTitle = await createCourse(stack.app, instructor, {
      title: `Learn ${token.toUpperCase()} today`,
    });
    const byDescription = await createCourse(stack.app, instructor, {
      title: 'Plain',
      description: `all about ${token}`,
    });
    await createCourse(stack.app, instructor, { title: 'Unrelated', description: 'nothing' });
    const response = await get(`/api/courses?q=${token}`);
    expect(response.json<CourseBody[]>().map((course) => course.id)).toEqual([byTitle.id, byDescription.id]);
    expect(response.headers['x-total-count']).toBe('2');
  });

  it('when q holds % or _, then they match themselves only', async () => {
    const token = unique('lit');
    const percent = await createCourse(stack.app, instructor, { title: `${token} 100% off` });
    await createCourse(stack.app, instructor, { title: `${token} 1000 off` });
    const underscore = await createCourse(stack.app, instructor, { title: `${token} snake_case` });
    await createCourse(stack.app, instructor, { title: `${token} snakeXcase` });
    const ids = async (q: string) =>
      (await get(`/api/courses?q=${encodeURIComponent(q)}`)).json<CourseBody[]>().map((course) => course.id);
    expect(await ids(`${token} 100%`)).toEqual([percent.id]);
    expect(await ids(`${token} snake_`)).toEqual([underscore.id]);
    expect(await ids(`${token} \\`)).toEqual([]);
  });

  it('when pages are followed by their Link: rel="next" cursor, then every course comes once and the last page has no link', async () => {
    const token = unique('walk');
    const created: number[] = [];
    for (let i = 0; i < 5; i += 1)
      created.push((await createCourse(stack.app, instructor, { title: `${token} ${i}` })).id);

    const seen: number[] = [];
    let url: string | undefined = `/api/courses?limit=2&q=${token}`;
    let pages = 0;
    while (url !== undefined) {
      const response = await get(url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-total-count']).toBe('5');
      seen.push(...response.json<CourseBody[]>().map((course) => course.id));
      const link = response.headers.link;
      url = typeof link === 'string' ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
      pages += 1;
    }
    expect(seen).toEqual(created);
    expect(pages).toBe(3);
  });

  it('when an offset page is not the last, then its Link carries a cursor to the next page', async () => {
    const { token, courses } = await threeCourses();
    const response = await get(`/api/courses?limit=1&offset=1&q=${token}`);
    const link = String(response.headers.link);
    const cursor = Buffer.from(String(courses[1]?.id)).toString('base64url');
    expect(link).toBe(`</api/courses?limit=1&cursor=${cursor}&q=${token}>; rel="next"`);
    const next = await get(/<([^>]+)>/.exec(link)?.[1] ?? '');
    expect(next.json<CourseBody[]>().map((course) => course.id)).toEqual([courses[2]?.id]);
  });

  it('when the service is up, then the old health path and the OpenAPI document answer', async () => {
    expect((await get('/api/courses/health')).json()).toEqual({ status: 'ok' });
    const document = (await get('/api/courses/docs/json')).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/courses', '/api/courses/{id}', '/api/courses/{id}/lessons/{lesson_id}']),
    );
  });
});
