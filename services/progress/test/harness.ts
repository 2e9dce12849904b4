import type { AddressInfo } from 'node:net';
import { buildApp as buildCoursesApp, coursesConfigSchema } from '@lectern/courses';
import {
  openInfrastructure,
  type AuthUser,
  type BaseConfig,
  type Infrastructure,
  type Role,
} from '@lectern/kit';
import { createTestIssuer, testConfig, unique, type TestIssuer } from '@lectern/kit/testing';
import { expect } from 'vitest';
import { buildApp, progressConfigSchema, type BuildAppOverrides } from '../src/index.js';
import type { CourseSummary } from '../src/progress.service.js';

type ProgressApp = Awaited<ReturnType<typeof buildApp>>;
type CoursesApp = Awaited<ReturnType<typeof buildCoursesApp>>;

export interface Harness {
  issuer: TestIssuer;
  courses: CoursesApp;
  coursesUrl: string;
  progress: ProgressApp;
  /** The progress app's infrastructure, for reading its tables directly. */
  infrastructure: Infrastructure;
  /** Another progress app on the same data and cache, with its own settings (e.g. a courses URL that is down). */
  progressWith(env: Record<string, string>, overrides?: BuildAppOverrides): Promise<ProgressApp>;
  close(): Promise<void>;
}

/**
 * openInfrastructure with the cache under a key prefix of this harness's own (CACHE_PREFIX): test files run in
 * parallel on one Redis, and another file's course writes would otherwise invalidate this file's entries.
 */
async function openTestInfrastructure(config: BaseConfig): Promise<Infrastructure> {
  const infrastructure = await openInfrastructure(config, 'progress-test');
  const { redis } = infrastructure;
  // The cache skips Redis until it is connected; tests that rely on entries another app stored must not race it.
  if (redis && redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return infrastructure;
}

/**
 * The real courses service listening on port 0 and a progress app pointed at it over HTTP. With PostgreSQL and
 * Redis each app has its own infrastructure and they share both servers, as replicas do. Otherwise they share
 * one: in-process caches cannot tell each other about invalidations, nor can two processes share PGlite.
 */
export async function startHarness(progressEnv: Record<string, string> = {}): Promise<Harness> {
  const issuer = await createTestIssuer();
  const coursesConfig = testConfig(coursesConfigSchema, { CACHE_PREFIX: unique('lectern-progress-test-') });
  const separate = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
  const opened: Infrastructure[] = [];
  const open = async () => {
    const infrastructure = await openTestInfrastructure(coursesConfig);
    opened.push(infrastructure);
    return infrastructure;
  };
  const shared = separate ? undefined : await open();

  const courses = await buildCoursesApp(coursesConfig, {
    getKey: issuer.getKey,
    loadSessionState: issuer.loadSessionState,
    logger: false,
    infrastructure: shared ?? (await open()),
  });
  await courses.listen({ port: 0, host: '127.0.0.1' });
  const coursesUrl = `http://127.0.0.1:${(courses.server.address() as AddressInfo).port}`;

  const apps: ProgressApp[] = [];
  const progressWith = async (env: Record<string, string>, overrides: BuildAppOverrides = {}) => {
    const app = await buildApp(testConfig(progressConfigSchema, { COURSES_URL: coursesUrl, ...env }), {
      getKey: issuer.getKey,
      logger: false,
      infrastructure: shared ?? (await open()),
      ...overrides,
    });
    apps.push(app);
    return app;
  };
  const progress = await progressWith(progressEnv);
  const infrastructure = opened.at(-1);
  if (!infrastructure) throw new Error('no infrastructure was opened');

  return {
    issuer,
    courses,
    coursesUrl,
    progress,
    infrastructure,
    progressWith,
    async close() {
      for (const app of apps) await app.close();
      await courses.close();
      for (const each of opened) await each.close();
    },
  };
}

/** A user id no other test or earlier run on the same database has used. */
export function newUserId(): number {
  return 1 + Math.floor(Math.random() * 2 ** 52);
}

export interface TestUser extends AuthUser {
  headers: { authorization: string };
}

export async function newUser(harness: Harness, role: Role = 'student'): Promise<TestUser> {
  const user: AuthUser = { id: newUserId(), email: `${unique('user')}@example.test`, role };
  const token = await harness.issuer.sign(user);
  return { ...user, headers: { authorization: `Bearer ${token}` } };
}

export interface CourseFixture {
  id: number;
  lessonIds: number[];
}

/** A course with `lessons` lessons, created through the courses API by its instructor. */
export async function createCourse(
  harness: Harness,
  owner: TestUser,
  lessons: number,
  options: { published?: boolean } = {},
): Promise<CourseFixture> {
  const created = await harness.courses.inject({
    method: 'POST',
    url: '/api/courses',
    headers: owner.headers,
    payload: { title: unique('course'), description: 'progress test', published: options.published ?? true },
  });
  expect(created.statusCode, created.body).toBe(201);
  const course = created.json<{ id: number }>();
  const lessonIds: number[] = [];
  for (let index = 0; index < lessons; index += 1) lessonIds.push(await addLesson(harness, owner, course.id));
  return { id: course.id, lessonIds };
}

export async function addLesson(harness: Harness, owner: TestUser, courseId: number): Promise<number> {
  const response = await harness.courses.inject({
    method: 'POST',
    url: `/api/courses/${courseId}/lessons`,
    headers: owner.headers,
    payload: { title: unique('lesson'), content: 'Read this.' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: number }>().id;
}

export async function deleteLesson(harness: Harness, owner: TestUser, courseId: number, lessonId: number) {
  const response = await harness.courses.inject({
    method: 'DELETE',
    url: `/api/courses/${courseId}/lessons/${lessonId}`,
    headers: owner.headers,
  });
  expect(response.statusCode, response.body).toBe(204);
}

export async function moveLesson(
  harness: Harness,
  owner: TestUser,
  courseId: number,
  lessonId: number,
  order: number,
) {
  const response = await harness.courses.inject({
    method: 'PUT',
    url: `/api/courses/${courseId}/lessons/${lessonId}`,
    headers: owner.headers,
    payload: { order },
  });
  expect(response.statusCode, response.body).toBe(200);
}

export async function setPublished(harness: Harness, owner: TestUser, courseId: number, published: boolean) {
  const response = await harness.courses.inject({
    method: 'PUT',
    url: `/api/courses/${courseId}`,
    headers: owner.headers,
    payload: { published },
  });
  expect(response.statusCode, response.body).toBe(200);
}

export function complete(app: ProgressApp, user: TestUser, lessonId: number | string) {
  return app.inject({ method: 'POST', url: `/api/progress/${lessonId}/complete`, headers: user.headers });
}

export function uncomplete(app: ProgressApp, user: TestUser, lessonId: number | string) {
  return app.inject({ method: 'DELETE', url: `/api/progress/${lessonId}/complete`, headers: user.headers });
}

/** A course summary as the API sends it. */
export type Summary = CourseSummary;

export async function summary(app: ProgressApp, user: TestUser, courseId: number): Promise<Summary> {
  const response = await app.inject({ url: `/api/progress/courses/${courseId}`, headers: user.headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Summary>();
}

/**
 * A courses write reaches this app's cache at once in-process, and through Redis pub/sub within milliseconds
 * when the apps have separate caches: reads after a write poll briefly for that.
 */
export function eventually<T>(read: () => Promise<T>) {
  return expect.poll(read, { timeout: 2_000, interval: 20 });
}

export async function progressRows(harness: Harness, userId: number) {
  const { rows } = await harness.infrastructure.database.query<{ lesson_id: string; course_id: string }>(
    'select lesson_id, course_id from progress.progress where user_id = $1 order by lesson_id',
    [userId],
  );
  return rows.map((row) => ({ lessonId: Number(row.lesson_id), courseId: Number(row.course_id) }));
}
