import { spawnSync } from 'node:child_process';
import { cacheHitsTotal, dbQueriesTotal } from '@lectern/kit';
import { unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourse,
  createLesson,
  sleep,
  startRedisServer,
  startReplica,
  startStack,
  user,
  type CourseBody,
  type CourseDetailBody,
  type CoursesApp,
  type Stack,
  type TestUser,
} from './support.js';

/** The Redis-outage test runs its own redis-server, never stopping the shared one. */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** This file's own cache keys and channel, shared by its instances and by no other test file. */
const cachePrefix = unique('lectern-courses-cache-test');
let stack: Stack;
let owner: TestUser;

beforeAll(async () => {
  stack = await startStack({}, { cachePrefix });
  owner = await user('instructor');
});

afterAll(async () => {
  await stack.close();
});

async function counter(
  metric: typeof cacheHitsTotal | typeof dbQueriesTotal,
  label: string,
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((value) => Object.values(value.labels).includes(label))
    .reduce((sum, value) => sum + value.value, 0);
}
const selects = () => counter(dbQueriesTotal, 'select');
const hits = (cache: string) => counter(cacheHitsTotal, cache);

const get = (app: CoursesApp, url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

describe('one instance', () => {
  it('when a list page is read twice, then the second read comes from the cache without a query', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('cached') });
    const url = `/api/courses?q=${course.title}`;
    const first = await get(stack.app, url);
    const [hitsBefore, selectsBefore] = [await hits('courses'), await selects()];
    const second = await get(stack.app, url);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(second.headers['x-total-count']).toBe('1');
    expect(await hits('courses')).toBe(hitsBefore + 1);
    expect(await selects()).toBe(selectsBefore);
  });

  it('when a course page and its lessons are read twice, then the second reads are cache hits', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('page') });
    await createLesson(stack.app, owner, course.id, { title: 'L' });
    const urls = [`/api/courses/${course.id}`, `/api/courses/${course.id}/lessons`];
    for (const url of urls) await get(stack.app, url);
    const [hitsBefore, selectsBefore] = [await hits('course'), await selects()];
    for (const url of urls) expect((await get(stack.app, url)).statusCode).toBe(200);
    // The lesson list also looks up the course's release schedule, a hit of its own.
    expect(await hits('course')).toBe(hitsBefore + 3);
    expect(await selects()).toBe(selectsBefore);
  });

  it('when a course page misses the cache, then one query answers it', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('miss') });
    await createLesson(stack.app, owner, course.id, { title: 'L1' });
    await createLesson(stack.app, owner, course.id, { title: 'L2' });
    const before = await selects();
    expect((await get(stack.app, `/api/courses/${course.id}`)).json<CourseDetailBody>().lessons).toHaveLength(
      2,
    );
    expect(await selects()).toBe(before + 1);
  });

  it('when an anonymous read is cacheable, then it carries an ETag, public max-age=1, and a matching If-None-Match gets 304', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('etag') });
    const first = await get(stack.app, `/api/courses/${course.id}`);
    expect(first.headers['cache-control']).toMatch(/^public, max-age=1\b/);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^".+"$/);
    const again = await get(stack.app, `/api/courses/${course.id}`, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it("when a student's token reads public pages, then the same shared entry answers", async () => {
    const student = await user('student');
    const course = await createCourse(stack.app, owner, { title: unique('shared') });
    const anonymous = await get(stack.app, `/api/courses/${course.id}`);
    const hitsBefore = await hits('course');
    const withToken = await get(stack.app, `/api/courses/${course.id}`, student.headers);
    expect(withToken.headers.etag).toBe(anonymous.headers.etag);
    expect(withToken.headers['cache-control']).toContain('public');
    expect(await hits('course')).toBe(hitsBefore + 1);
  });

  it('when a course or a lesson is written, then the next read shows the write', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('fresh') });
    const listUrl = `/api/courses?q=${course.title}`;
    await get(stack.app, listUrl);
    await get(stack.app, `/api/courses/${course.id}`);
    await get(stack.app, `/api/courses/${course.id}/lessons`);

    const lesson = await createLesson(stack.app, owner, course.id, { title: 'New lesson' });
    expect((await get(stack.app, listUrl)).json<CourseBody[]>()[0]?.lessons_count).toBe(1);
    expect((await get(stack.app, `/api/courses/${course.id}`)).json<CourseDetailBody>().lessons).toHaveLength(
      1,
    );
    expect((await get(stack.app, `/api/courses/${course.id}/lessons`)).json()).toHaveLength(1);

    await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}/lessons/${lesson.id}`,
      headers: owner.headers,
      payload: { title: 'Renamed lesson' },
    });
    expect(
      (await get(stack.app, `/api/courses/${course.id}`)).json<CourseDetailBody>().lessons[0]?.title,
    ).toBe('Renamed lesson');

    await stack.app.inject({
      method: 'PUT',
      url: `/api/courses/${course.id}`,
      headers: owner.headers,
      payload: { description: 'now described' },
    });
    expect((await get(stack.app, listUrl)).json<CourseBody[]>()[0]?.description).toBe('now described');
  });

  it('when a course id was read before the course existed, then the course is visible once created', async () => {
    // Other test files create courses too: retry until the id read in advance is the one created next.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const probe = await createCourse(stack.app, owner, { title: unique('probe') });
      const nextId = probe.id + 1;
      if ((await get(stack.app, `/api/courses/${nextId}`)).statusCode !== 404) continue;
      const created = await createCourse(stack.app, owner, { title: unique('next') });
      if (created.id !== nextId) continue;
      expect((await get(stack.app, `/api/courses/${nextId}`)).statusCode).toBe(200);
      return;
    }
    throw new Error('never created the course whose id was read first');
  });

  it("when a course or lesson is written, then progress's 'course-outlines' entries are refilled", async () => {
    const course = await createCourse(stack.app, owner, { title: unique('outline') });
    const { cache } = stack.infrastructure;
    let loads = 0;
    const outline = () =>
      cache.get('course-outlines', `outline:${course.id}`, async () => {
        loads += 1;
        const response = await get(stack.app, `/internal/courses/${course.id}/outline`);
        return { body: response.body };
      });
    await outline();
    await outline();
    expect(loads).toBe(1);
    await createLesson(stack.app, owner, course.id, { title: 'Counts for progress' });
    const refreshed = JSON.parse((await outline()).body) as { lesson_ids: number[] };
    expect(loads).toBe(2);
    expect(refreshed.lesson_ids).toHaveLength(1);
  });

  it('when a draft changes, then the public list pages stay cached', async () => {
    const draft = await createCourse(stack.app, owner, { title: unique('quiet'), published: false });
    await get(stack.app, '/api/courses?limit=3');
    const [hitsBefore, selectsBefore] = [await hits('courses'), await selects()];
    await createLesson(stack.app, owner, draft.id, { title: 'Work in progress' });
    const selectsAfterWrite = await selects();
    expect((await get(stack.app, '/api/courses?limit=3')).statusCode).toBe(200);
    expect(await hits('courses')).toBe(hitsBefore + 1);
    expect(await selects()).toBe(selectsAfterWrite);
    expect(selectsAfterWrite).toBeGreaterThan(selectsBefore);
  });

  it('when 200 reads of one cold page arrive at once, then the database answers once (a list: its page and its total)', async () => {
    const course = await createCourse(stack.app, owner, { title: unique('stampede') });
    await createLesson(stack.app, owner, course.id, { title: 'L' });
    const cases = [
      { url: `/api/courses/${course.id}`, statements: 1 },
      { url: `/api/courses?q=${course.title}&limit=5`, statements: 2 },
    ];
    for (const { url, statements } of cases) {
      const before = await selects();
      const responses = await Promise.all(Array.from({ length: 200 }, () => get(stack.app, url)));
      expect(responses.every((response) => response.statusCode === 200)).toBe(true);
      expect(new Set(responses.map((response) => response.body)).size).toBe(1);
      expect(await selects(), url).toBe(before + statements);
    }
  });

  it('when several pages of one list are filled, then its total is counted once and every page carries it', async () => {
    const title = unique('counted');
    const created = [];
    for (let i = 0; i < 3; i += 1)
      created.push(await createCourse(stack.app, owner, { title: `${title} ${i}` }));
    const first = await get(stack.app, `/api/courses?q=${title}&limit=1`);
    expect(first.headers['x-total-count']).toBe('3');
    const before = await selects();
    const second = await get(stack.app, `/api/courses?q=${title}&limit=1&offset=1`);
    const third = await get(stack.app, `/api/courses?q=${title}&limit=2&offset=1`);
    expect(await selects()).toBe(before + 2);
    expect([second, third].map((response) => response.headers['x-total-count'])).toEqual(['3', '3']);
    expect(third.json<CourseBody[]>().map((course) => course.id)).toEqual(
      created.slice(1).map((course) => course.id),
    );

    await createCourse(stack.app, owner, { title: `${title} 3` });
    expect((await get(stack.app, `/api/courses?q=${title}&limit=1`)).headers['x-total-count']).toBe('4');
  });
});

/** Its own infrastructure on the same PostgreSQL and Redis; on PGlite (one handle per folder) the same handle. */
const secondInstance = () =>
  process.env.DATABASE_URL
    ? startStack({}, { cachePrefix })
    : startReplica(stack.infrastructure.database, {}, { cachePrefix });

describe('several instances', () => {
  it.runIf(!!process.env.REDIS_URL)(
    'when a write goes through one instance, then a read through another sees it within 100 ms',
    async () => {
      const other = await secondInstance();
      try {
        const course = await createCourse(stack.app, owner, { title: unique('replica') });
        const url = `/api/courses/${course.id}`;
        expect((await get(other.app, url)).json<CourseDetailBody>().title).toBe(course.title);
        expect((await get(other.app, url)).json<CourseDetailBody>().title).toBe(course.title);

        const update = await stack.app.inject({
          method: 'PUT',
          url,
          headers: owner.headers,
          payload: { title: 'Renamed elsewhere' },
        });
        expect(update.statusCode).toBe(200);
        const written = performance.now();
        let title = '';
        while (performance.now() - written < 1_000) {
          title = (await get(other.app, url)).json<CourseDetailBody>().title;
          if (title === 'Renamed elsewhere') break;
          await sleep(2);
        }
        expect(title).toBe('Renamed elsewhere');
        expect(performance.now() - written).toBeLessThan(100);
      } finally {
        await other.close();
      }
    },
  );

  it.runIf(!!process.env.REDIS_URL)(
    'when 200 cold reads of one page hit two instances, then each instance runs one query per cache entry',
    async () => {
      const other = await secondInstance();
      try {
        const course = await createCourse(stack.app, owner, { title: unique('twice') });
        const url = `/api/courses/${course.id}/lessons`;
        const before = await selects();
        const responses = await Promise.all(
          Array.from({ length: 200 }, (_, index) => get(index % 2 === 0 ? stack.app : other.app, url)),
        );
        expect(responses.every((response) => response.statusCode === 200)).toBe(true);
        // Two entries (the release schedule and the page), at most one fill of each per instance.
        expect(await selects()).toBeLessThanOrEqual(before + 4);
      } finally {
        await other.close();
      }
    },
  );

  it.runIf(hasRedisServer)(
    'when Redis stops, then reads still answer 200 and writes still show up',
    async () => {
      const redis = await startRedisServer();
      const replica = await startReplica(stack.infrastructure.database, { REDIS_URL: redis.url });
      try {
        const course = await createCourse(replica.app, owner, { title: unique('redis-down') });
        const url = `/api/courses/${course.id}`;
        expect((await get(replica.app, url)).statusCode).toBe(200);
        expect((await get(replica.app, `/api/courses?q=${course.title}`)).statusCode).toBe(200);

        await redis.stop();
        await sleep(100);
        expect((await get(replica.app, url)).statusCode).toBe(200);
        expect((await get(replica.app, `/api/courses/${course.id}/lessons`)).statusCode).toBe(200);
        expect((await get(replica.app, `/api/courses?limit=3&q=${course.title}`)).statusCode).toBe(200);

        const renamed = await replica.app.inject({
          method: 'PUT',
          url,
          headers: owner.headers,
          payload: { title: 'Written without Redis' },
        });
        expect(renamed.statusCode).toBe(200);
        const after = await get(replica.app, url);
        expect(after.statusCode).toBe(200);
        expect(after.json<CourseDetailBody>().title).toBe('Written without Redis');
        expect((await replica.app.inject({ url: '/health/ready' })).statusCode).toBe(200);
      } finally {
        await replica.close();
        await redis.stop();
      }
    },
  );
});
