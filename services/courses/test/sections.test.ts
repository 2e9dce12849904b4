import { unique } from '@lectern/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InviteJson, LessonJson, SectionJson } from '../src/courses.views.js';
import {
  createCourse,
  createLesson,
  problem,
  startReplica,
  startStack,
  user,
  type CourseDetailBody,
  type Stack,
  type TestUser,
} from './support.js';

let stack: Stack;
let replica: Stack;
let owner: TestUser;
let admin: TestUser;
let student: TestUser;

beforeAll(async () => {
  stack = await startStack();
  replica = await startReplica(stack.infrastructure.database);
  [owner, admin, student] = await Promise.all([user('instructor'), user('admin'), user('student')]);
});

afterAll(async () => {
  await replica.close();
  await stack.close();
});

afterEach(() => {
  vi.useRealTimers();
});

const send = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  viewer?: TestUser,
  payload?: object,
  app = stack.app,
) => app.inject({ method, url, headers: viewer?.headers ?? {}, ...(payload ? { payload } : {}) });

async function addSection(courseId: number, body: object): Promise<SectionJson> {
  const response = await send('POST', `/api/courses/${courseId}/sections`, owner, body);
  expect(response.statusCode).toBe(201);
  return response.json<SectionJson>();
}

async function detail(courseId: number, app = stack.app): Promise<CourseDetailBody> {
  return (await send('GET', `/api/courses/${courseId}`, undefined, undefined, app)).json<CourseDetailBody>();
}

describe('sections', () => {
  it('when sections are added, moved and deleted, then the course detail shows them in order with their lessons', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('sections') });
    const basics = await addSection(course.id, { title: 'Basics' });
    const advanced = await addSection(course.id, { title: 'Advanced' });
    const intro = await addSection(course.id, { title: 'Intro', order: 1 });
    const lesson = await createLesson(stack.app, owner, course.id, { title: 'Loose' });
    const inBasics = await send('POST', `/api/courses/${course.id}/lessons`, owner, {
      title: 'Quiz one',
      kind: 'quiz',
      section_id: basics.id,
    });
    expect(inBasics.json()).toMatchObject({ kind: 'quiz', section_id: basics.id, available_from: null });

    let outline = await detail(course.id);
    expect(outline.sections.map((section) => [section.title, section.order])).toEqual([
      ['Intro', 1],
      ['Basics', 2],
      ['Advanced', 3],
    ]);
    expect(outline.sections[1]?.lesson_ids).toEqual([inBasics.json<LessonJson>().id]);
    expect(outline.lessons.map((summary) => summary.id)).toEqual([lesson.id, inBasics.json<LessonJson>().id]);

    const moved = await send('PUT', `/api/courses/${course.id}/lessons/${lesson.id}`, owner, {
      section_id: advanced.id,
    });
    expect(moved.json()).toMatchObject({ section_id: advanced.id });
    const renamed = await send('PUT', `/api/courses/${course.id}/sections/${advanced.id}`, owner, {
      title: 'Deep end',
      order: 1,
    });
    expect(renamed.json()).toMatchObject({ title: 'Deep end', order: 1, lesson_ids: [lesson.id] });
    outline = await detail(course.id);
    expect(outline.sections.map((section) => section.title)).toEqual(['Deep end', 'Intro', 'Basics']);

    expect(
      (await send('DELETE', `/api/courses/${course.id}/sections/${advanced.id}`, owner)).statusCode,
    ).toBe(204);
    outline = await detail(course.id);
    expect(outline.sections.map((section) => [section.title, section.order])).toEqual([
      ['Intro', 1],
      ['Basics', 2],
    ]);
    expect(outline.lessons.find((summary) => summary.id === lesson.id)?.section_id).toBeNull();
    expect(intro.lesson_ids).toEqual([]);
  });

  it('when a lesson is put into another course’s section, then it is a 422', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('mine') });
    const other = await createCourse(stack.app, owner, { title: unique('theirs') });
    const foreign = await addSection(other.id, { title: 'Elsewhere' });
    const response = await send('POST', `/api/courses/${course.id}/lessons`, owner, {
      title: 'Stray',
      section_id: foreign.id,
    });
    expect(response.statusCode).toBe(422);
    expect(problem(response).detail).toContain('section_id');
  });

  it('when a learner edits sections, or a section does not exist, then 403 and 404', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('guarded') });
    expect(
      (await send('POST', `/api/courses/${course.id}/sections`, student, { title: 'x' })).statusCode,
    ).toBe(403);
    const missing = await send('PUT', `/api/courses/${course.id}/sections/9007199254740991`, owner, {
      title: 'x',
    });
    expect(problem(missing).code).toBe('section_not_found');
    const empty = await send('PUT', `/api/courses/${course.id}/sections/1`, owner, {});
    expect(empty.statusCode).toBe(422);
  });
});

describe('course settings and invites', () => {
  it('when enrollment settings are set, then the course carries them; a window that closes first is a 422', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('settings') });
    const updated = await send('PUT', `/api/courses/${course.id}`, owner, {
      enrollment: 'invite',
      capacity: 30,
      enroll_opens_at: '2030-01-01T00:00:00.000Z',
      enroll_closes_at: '2030-02-01T00:00:00.000Z',
      sequential: true,
    });
    expect(updated.json()).toMatchObject({
      enrollment: 'invite',
      capacity: 30,
      enroll_opens_at: '2030-01-01T00:00:00.000Z',
      enroll_closes_at: '2030-02-01T00:00:00.000Z',
      sequential: true,
    });
    const reversed = await send('PUT', `/api/courses/${course.id}`, owner, {
      enroll_closes_at: '2029-12-31T00:00:00.000Z',
    });
    expect(reversed.statusCode).toBe(422);
    expect(
      (await send('PUT', `/api/courses/${course.id}`, owner, { enrollment: 'everyone' })).statusCode,
    ).toBe(422);
    expect((await send('PUT', `/api/courses/${course.id}`, owner, { capacity: -1 })).statusCode).toBe(422);
  });

  it('when invites are created, listed and revoked, then the owner sees codes with uses', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('invites') });
    const created = await send('POST', `/api/courses/${course.id}/invites`, owner, {
      max_uses: 5,
      expires_at: '2030-01-01T00:00:00.000Z',
    });
    expect(created.statusCode).toBe(201);
    const invite = created.json<InviteJson>();
    expect(invite).toMatchObject({ max_uses: 5, uses: 0, expires_at: '2030-01-01T00:00:00.000Z' });
    expect(invite.code).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const listed = await send('GET', `/api/courses/${course.id}/invites`, admin);
    expect(listed.json<InviteJson[]>().map((item) => item.code)).toEqual([invite.code]);
    expect((await send('GET', `/api/courses/${course.id}/invites`, student)).statusCode).toBe(403);
    expect((await send('DELETE', `/api/courses/${course.id}/invites/${invite.code}`, owner)).statusCode).toBe(
      204,
    );
    const again = await send('DELETE', `/api/courses/${course.id}/invites/${invite.code}`, owner);
    expect(problem(again).code).toBe('invite_not_found');
  });

  it('when a learner redeems a code twice, then one use is counted; a used-up code is invalid_invite', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('redeem') });
    const { code } = (
      await send('POST', `/api/courses/${course.id}/invites`, owner, { max_uses: 1 })
    ).json<InviteJson>();
    const redeem = (userId: number) =>
      send('POST', `/internal/courses/${course.id}/invites/${code}/redemptions`, undefined, {
        user_id: userId,
      });
    expect((await redeem(student.id)).statusCode).toBe(200);
    expect((await redeem(student.id)).statusCode).toBe(200);
    expect(problem(await redeem(admin.id)).code).toBe('invalid_invite');
    const uses = async () =>
      (await send('GET', `/api/courses/${course.id}/invites`, owner)).json<InviteJson[]>()[0]?.uses;
    expect(await uses()).toBe(1);

    const released = await send(
      'DELETE',
      `/internal/courses/${course.id}/invites/${code}/redemptions/${student.id}`,
    );
    expect(released.statusCode).toBe(204);
    expect(await uses()).toBe(0);
    expect((await redeem(admin.id)).statusCode).toBe(200);
    const unknown = await send('POST', `/internal/courses/${course.id}/invites/nope/redemptions`, undefined, {
      user_id: student.id,
    });
    expect(problem(unknown).code).toBe('invalid_invite');
  });
});

describe('release dates', () => {
  async function courseWithLaterSection(opensInMs: number) {
    const course = await createCourse(stack.app, owner, { title: unique('release') });
    const opensAt = new Date(Date.now() + opensInMs);
    const later = await addSection(course.id, { title: 'Week 2', available_from: opensAt.toISOString() });
    const open = await createLesson(stack.app, owner, course.id, { title: 'Now', content: 'open text' });
    const closed = (
      await send('POST', `/api/courses/${course.id}/lessons`, owner, {
        title: 'Later',
        content: 'secret text',
        section_id: later.id,
      })
    ).json<LessonJson>();
    return { course, opensAt, open, closed };
  }

  it('when a learner reads a lesson of a section not open yet, then 403 not_available_yet with the date; owners and admins read it', async () => {
    const { course, opensAt, closed } = await courseWithLaterSection(3_600_000);
    const url = `/api/courses/${course.id}/lessons/${closed.id}`;
    for (const viewer of [undefined, student]) {
      const response = await send('GET', url, viewer);
      expect(response.statusCode).toBe(403);
      expect(problem(response)).toMatchObject({ code: 'not_available_yet' });
      expect(response.json<{ available_from: string }>().available_from).toBe(opensAt.toISOString());
    }
    for (const viewer of [owner, admin]) {
      const response = await send('GET', url, viewer);
      expect(response.json<LessonJson>().content).toBe('secret text');
      expect(response.headers['cache-control']).toBe('private, no-cache');
    }
    const list = await send('GET', `/api/courses/${course.id}/lessons`, student);
    expect(list.json<LessonJson[]>().map((lesson) => [lesson.title, lesson.content])).toEqual([
      ['Now', 'open text'],
      ['Later', ''],
    ]);
    expect(list.body).not.toContain('secret');
    const ownersList = await send('GET', `/api/courses/${course.id}/lessons`, owner);
    expect(ownersList.body).toContain('secret text');
    const summary = await detail(course.id);
    expect(summary.sections[0]).toMatchObject({
      available_from: opensAt.toISOString(),
      lesson_ids: [closed.id],
    });
  });

  it('when the release instant passes, then every replica serves the content at once although its caches were warm', async () => {
    const { course, opensAt, closed } = await courseWithLaterSection(60_000);
    const lessonUrl = `/api/courses/${course.id}/lessons/${closed.id}`;
    const listUrl = `/api/courses/${course.id}/lessons`;
    for (const app of [stack.app, replica.app]) {
      expect((await send('GET', lessonUrl, student, undefined, app)).statusCode).toBe(403);
      expect((await send('GET', listUrl, undefined, undefined, app)).body).not.toContain('secret');
      // An owner's read right before must not put the content where learners read from.
      await send('GET', lessonUrl, owner, undefined, app);
      await send('GET', listUrl, owner, undefined, app);
      expect((await send('GET', listUrl, undefined, undefined, app)).body).not.toContain('secret');
    }

    vi.useFakeTimers({ toFake: ['Date'], now: opensAt.getTime() - 1 });
    expect((await send('GET', lessonUrl, student)).statusCode).toBe(403);
    vi.setSystemTime(opensAt.getTime());
    for (const app of [stack.app, replica.app]) {
      const lesson = await send('GET', lessonUrl, student, undefined, app);
      expect(lesson.json<LessonJson>().content).toBe('secret text');
      const list = await send('GET', listUrl, undefined, undefined, app);
      expect(list.json<LessonJson[]>().at(-1)?.content).toBe('secret text');
    }
  });

  it('when a release is near, then shared answers are not kept past it (no-cache), and never longer than until it', async () => {
    const { course, opensAt, open } = await courseWithLaterSection(60_000);
    const url = `/api/courses/${course.id}/lessons/${open.id}`;
    const far = await send('GET', url);
    expect(far.headers['cache-control']).toBe(
      'public, max-age=1, stale-while-revalidate=30, stale-if-error=30',
    );

    vi.useFakeTimers({ toFake: ['Date'], now: opensAt.getTime() - 20_000 });
    expect((await send('GET', url)).headers['cache-control']).toBe(
      'public, max-age=1, stale-while-revalidate=17, stale-if-error=17',
    );
    vi.setSystemTime(opensAt.getTime() - 2_500);
    expect((await send('GET', url)).headers['cache-control']).toBe('public, no-cache');
    expect((await send('GET', `/api/courses/${course.id}/lessons`)).headers['cache-control']).toBe(
      'public, no-cache',
    );
    vi.setSystemTime(opensAt.getTime() + 1);
    expect((await send('GET', url)).headers['cache-control']).toBe(
      'public, max-age=1, stale-while-revalidate=30, stale-if-error=60',
    );
  });

  it('when a section’s date moves to the past, then the content is out at once (a write invalidates)', async () => {
    const { course, closed } = await courseWithLaterSection(3_600_000);
    const url = `/api/courses/${course.id}/lessons/${closed.id}`;
    expect((await send('GET', url, student)).statusCode).toBe(403);
    const sectionId = closed.section_id ?? 0;
    await send('PUT', `/api/courses/${course.id}/sections/${sectionId}`, owner, { available_from: null });
    expect((await send('GET', url, student, undefined, replica.app)).json<LessonJson>().content).toBe(
      'secret text',
    );
  });
});
