import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  createRedis,
  openCache,
  openInfrastructure,
  type AuthUser,
  type Database,
  type Infrastructure,
  type Role,
} from '@lectern/kit';
import {
  createTestIssuer,
  freePort,
  startPrivateRedis,
  testConfig,
  type TestIssuer,
} from '@lectern/kit/testing';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.js';
import { coursesConfigSchema, type CoursesConfig } from '../src/config.js';
import type { CourseDetailJson, CourseJson } from '../src/courses.views.js';

export type CoursesApp = Awaited<ReturnType<typeof buildApp>>;

let sharedIssuer: Promise<TestIssuer> | undefined;
/** One signing key per test file, so every app instance in the file accepts the same tokens. */
export function issuer(): Promise<TestIssuer> {
  sharedIssuer ??= createTestIssuer();
  return sharedIssuer;
}

export interface Stack {
  app: CoursesApp;
  infrastructure: Infrastructure;
  config: CoursesConfig;
  close(): Promise<void>;
}

/** The app as its own process runs it: buildApp opens (and on close closes) its own infrastructure. */
export async function startApp(env: Record<string, string | undefined> = {}): Promise<CoursesApp> {
  const { getKey, loadSessionState } = await issuer();
  const app = await buildApp(testConfig(coursesConfigSchema, env), {
    getKey,
    loadSessionState,
    logger: false,
  });
  await app.ready();
  return app;
}

export interface StackOptions {
  /**
   * A private Redis key prefix and invalidation channel: tests that count cache hits must not see the
   * invalidations other test files running at the same time send through the shared Redis.
   */
  cachePrefix?: string;
}

/** An app on infrastructure the test holds: real PostgreSQL/Redis when configured, PGlite and L1 otherwise. */
export async function startStack(
  env: Record<string, string | undefined> = {},
  options: StackOptions = {},
): Promise<Stack> {
  const config = testConfig(coursesConfigSchema, withCachePrefix(env, options));
  const infrastructure = await openInfrastructure(config, 'courses-test');
  return stackOn(config, infrastructure, () => infrastructure.close());
}

function withCachePrefix(
  env: Record<string, string | undefined>,
  { cachePrefix }: StackOptions,
): Record<string, string | undefined> {
  return cachePrefix === undefined ? env : { ...env, CACHE_PREFIX: cachePrefix };
}

/**
 * Another app instance on an existing database with its own cache, like a second replica; with `redisUrl` its
 * cache uses that Redis (PGlite cannot be opened twice, so replicas of an embedded run share the handle).
 */
export async function startReplica(
  database: Database,
  env: Record<string, string | undefined> = {},
  options: StackOptions = {},
): Promise<Stack> {
  const config = testConfig(coursesConfigSchema, withCachePrefix(env, options));
  const redis = config.REDIS_URL ? createRedis(config.REDIS_URL, { name: 'courses-test-replica' }) : null;
  const cache = await openCache(config, redis);
  const infrastructure: Infrastructure = {
    database,
    redis,
    cache,
    jobs: null,
    async close() {
      await cache.close();
      redis?.disconnect();
    },
  };
  return stackOn(config, infrastructure, () => infrastructure.close());
}

async function stackOn(
  config: CoursesConfig,
  infrastructure: Infrastructure,
  closeInfrastructure: () => Promise<void>,
): Promise<Stack> {
  const { getKey, loadSessionState } = await issuer();
  const app = await buildApp(config, { infrastructure, getKey, loadSessionState, logger: false });
  await app.ready();
  return {
    app,
    infrastructure,
    config,
    async close() {
      await app.close();
      await closeInfrastructure();
    },
  };
}

let lastUserId = 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);

export interface TestUser extends AuthUser {
  headers: { authorization: string };
}

/** A user id no other test or earlier run uses, with a signed access token. */
export async function user(role: Role): Promise<TestUser> {
  lastUserId += 1 + Math.floor(Math.random() * 1000);
  const identity = { id: lastUserId, email: `${role}${lastUserId}@example.test`, role };
  const token = await (await issuer()).sign(identity);
  return { ...identity, headers: { authorization: `Bearer ${token}` } };
}

/** A course and a course with its lessons as the API sends them. */
export type CourseBody = CourseJson;
export type CourseDetailBody = CourseDetailJson;

export interface LessonBody {
  id: number;
  course_id: number;
  title: string;
  content: string;
  order: number;
  created_at: string;
  updated_at: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}

export function problem(response: LightMyRequestResponse): ProblemBody {
  if (!String(response.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected a problem, got ${response.statusCode} ${response.body.slice(0, 200)}`);
  }
  return response.json<ProblemBody>();
}

export async function createCourse(
  app: CoursesApp,
  owner: TestUser,
  body: { title: string; description?: string | null; published?: boolean },
): Promise<CourseBody> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/courses',
    headers: owner.headers,
    payload: body,
  });
  if (response.statusCode !== 201) throw new Error(`create course: ${response.statusCode} ${response.body}`);
  return response.json<CourseBody>();
}

export async function createLesson(
  app: CoursesApp,
  owner: TestUser,
  courseId: number,
  body: { title: string; content?: string; order?: number },
): Promise<LessonBody> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/courses/${courseId}/lessons`,
    headers: owner.headers,
    payload: body,
  });
  if (response.statusCode !== 201) throw new Error(`create lesson: ${response.statusCode} ${response.body}`);
  return response.json<LessonBody>();
}

/** A private, throwaway redis-server (never the shared one), ready to take commands. */
export async function startRedisServer(): Promise<{
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}> {
  const port = await freePort();
  const child = await startPrivateRedis(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
