import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp as buildCoursesApp, coursesConfigSchema } from '@lectern/courses';
import { openInfrastructure, type AuthUser, type Infrastructure, type Role } from '@lectern/kit';
import { createTestIssuer, scratchDatabase, testConfig, unique, type TestIssuer } from '@lectern/kit/testing';
import { expect } from 'vitest';
import { assessmentsConfigSchema, buildApp } from '../src/index.js';

type AssessmentsApp = Awaited<ReturnType<typeof buildApp>>;
type CoursesApp = Awaited<ReturnType<typeof buildCoursesApp>>;

/**
 * Progress's internal contract for assessments (POST /internal/progress/access, its /batch form, and
 * /internal/progress/lessons/:id/complete), answered as progress documents it: tests set who is refused and make
 * completions fail, and read which completions arrived.
 */
export interface ProgressContract {
  url: string;
  /** user id → the problem progress answers for them (e.g. 403 not_enrolled). */
  refusals: Map<number, { status: number; code: string; detail: string }>;
  /** Every completion request that arrived, failed ones included. */
  completionCalls: { userId: number; lessonId: number; status: number }[];
  /** How many of the next completion requests answer 503. */
  failNextCompletions: number;
}

async function startProgressContract(): Promise<{ contract: ProgressContract; app: FastifyInstance }> {
  const app = Fastify({ logger: false });
  const contract: ProgressContract = {
    url: '',
    refusals: new Map(),
    completionCalls: [],
    failNextCompletions: 0,
  };
  app.post<{ Body: { user_id: number; lesson_id: number } }>(
    '/internal/progress/access',
    async (request, reply) => {
      const refusal = contract.refusals.get(request.body.user_id);
      if (refusal) return reply.code(refusal.status).type('application/problem+json').send(refusal);
      return { course_id: 0, enrolled: true };
    },
  );
  app.post<{ Body: { checks: { user_id: number; lesson_id: number }[] } }>(
    '/internal/progress/access/batch',
    (request) =>
      Promise.resolve({
        answers: request.body.checks.map((check) => {
          const refusal = contract.refusals.get(check.user_id);
          return refusal ? { status: refusal.status, problem: refusal } : { status: 200, course_id: 0 };
        }),
      }),
  );
  app.post<{ Params: { lesson_id: string }; Body: { user_id: number } }>(
    '/internal/progress/lessons/:lesson_id/complete',
    async (request, reply) => {
      const failing = contract.failNextCompletions > 0;
      if (failing) contract.failNextCompletions -= 1;
      const status = failing ? 503 : 200;
      contract.completionCalls.push({
        userId: request.body.user_id,
        lessonId: Number(request.params.lesson_id),
        status,
      });
      return reply.code(status).send(failing ? { code: 'database_unavailable' } : { ok: true });
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  contract.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { contract, app };
}

export interface Harness {
  issuer: TestIssuer;
  courses: CoursesApp;
  assessments: AssessmentsApp;
  progress: ProgressContract;
  infrastructure: Infrastructure;
  close(): Promise<void>;
}

/**
 * The real courses service on port 0 and the assessments app pointed at it over HTTP, on one infrastructure (so
 * courses' invalidations reach the cache assessments reads), with fast sweeps for deadline tests.
 */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const issuer = await createTestIssuer();
  const cachePrefix = unique('lectern-assessments-test-');
  // A database of its own: the deadline sweeper and the completion outbox of one test file must not close or
  // deliver the attempts of another file running at the same time.
  const database = await scratchDatabase('lectern_assessments');
  const coursesConfig = testConfig(coursesConfigSchema, {
    CACHE_PREFIX: cachePrefix,
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  const infrastructure = await openInfrastructure(coursesConfig, 'assessments-test');
  const courses = await buildCoursesApp(coursesConfig, {
    loadSessionState: issuer.loadSessionState,
    getKey: issuer.getKey,
    logger: false,
    infrastructure,
  });
  await courses.listen({ port: 0, host: '127.0.0.1' });
  const coursesUrl = `http://127.0.0.1:${(courses.server.address() as AddressInfo).port}`;
  const { contract, app: progressApp } = await startProgressContract();
  const assessments = await buildApp(
    testConfig(assessmentsConfigSchema, {
      CACHE_PREFIX: cachePrefix,
      ...(database ? { DATABASE_URL: database.url } : {}),
      COURSES_URL: coursesUrl,
      PROGRESS_URL: contract.url,
      ASSESSMENTS_SWEEP_INTERVAL_MS: '100',
      ASSESSMENTS_OUTBOX_INTERVAL_MS: '100',
      ASSESSMENTS_OUTBOX_MAX_DELAY_MS: '200',
      ...env,
    }),
    { getKey: issuer.getKey, logger: false, infrastructure },
  );
  return {
    issuer,
    courses,
    assessments,
    progress: contract,
    infrastructure,
    async close() {
      await assessments.close();
      await courses.close();
      await progressApp.close();
      await infrastructure.close();
      await database?.drop();
    },
  };
}

export interface TestUser extends AuthUser {
  headers: { authorization: string };
}

export async function newUser(harness: Harness, role: Role = 'student'): Promise<TestUser> {
  const user: AuthUser = {
    id: 1 + Math.floor(Math.random() * 2 ** 52),
    email: `${unique('user')}@example.test`,
    role,
  };
  const token = await harness.issuer.sign(user);
  return { ...user, headers: { authorization: `Bearer ${token}` } };
}

/** A published course with one lesson, created through the courses API; answers the lesson id. */
export async function quizLesson(
  harness: Harness,
  owner: TestUser,
): Promise<{ courseId: number; lessonId: number }> {
  const created = await harness.courses.inject({
    method: 'POST',
    url: '/api/courses',
    headers: owner.headers,
    payload: { title: unique('course'), description: 'assessments test' },
  });
  expect(created.statusCode, created.body).toBe(201);
  const courseId = created.json<{ id: number }>().id;
  const lesson = await harness.courses.inject({
    method: 'POST',
    url: `/api/courses/${courseId}/lessons`,
    headers: owner.headers,
    payload: { title: unique('quiz'), content: 'A quiz.', kind: 'quiz' },
  });
  expect(lesson.statusCode, lesson.body).toBe(201);
  return { courseId, lessonId: lesson.json<{ id: number }>().id };
}

/** One question of each of the six kinds, worth 1 point each (the essay 2). */
export const everyKind = [
  {
    kind: 'single',
    text: 'Which is a **prime**?',
    options: [
      { text: '4', correct: false },
      { text: '7', correct: true },
      { text: '9', correct: false },
    ],
  },
  {
    kind: 'multiple',
    text: 'Which are even?',
    options: [
      { text: '2', correct: true },
      { text: '3', correct: false },
      { text: '8', correct: true },
    ],
  },
  { kind: 'true_false', text: 'The sky is blue.', answers: ['true'] },
  { kind: 'short_text', text: 'Capital of France?', answers: ['Paris'] },
  { kind: 'numeric', text: 'Pi to two places?', number: 3.14, tolerance: 0.005 },
  { kind: 'essay', text: 'Explain *recursion*.', points: 2 },
] as const;

export async function putQuiz(
  harness: Harness,
  owner: TestUser,
  lessonId: number,
  body: Record<string, unknown>,
  expectedStatus = 200,
) {
  const response = await harness.assessments.inject({
    method: 'PUT',
    url: `/api/assessments/quizzes/${lessonId}`,
    headers: owner.headers,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(expectedStatus);
  return response;
}

export interface KeyedQuestionView {
  id: number;
  kind: string;
  points: number;
  options?: { id: number; text: string; correct: boolean }[];
  answers?: string[];
  number?: number;
}

export interface StartedView {
  id: number;
  number: number;
  deadline: string | null;
  questions: { id: number; kind: string; options?: { id: number; text: string }[] }[];
  responses: { question_id: number }[];
}

export function start(harness: Harness, user: TestUser, lessonId: number) {
  return harness.assessments.inject({
    method: 'POST',
    url: `/api/assessments/quizzes/${lessonId}/attempts`,
    headers: user.headers,
  });
}

export function save(
  harness: Harness,
  user: TestUser,
  attemptId: number,
  answers: Record<string, unknown>[],
) {
  return harness.assessments.inject({
    method: 'PUT',
    url: `/api/assessments/attempts/${attemptId}/answers`,
    headers: user.headers,
    payload: { answers },
  });
}

export function submit(harness: Harness, user: TestUser, attemptId: number) {
  return harness.assessments.inject({
    method: 'POST',
    url: `/api/assessments/attempts/${attemptId}/submit`,
    headers: user.headers,
  });
}

/** Right answers to `everyKind`, from the owner's view of the quiz (the essay gets text). */
export function rightAnswers(questions: readonly KeyedQuestionView[]) {
  return questions.map((question) => {
    switch (question.kind) {
      case 'single':
      case 'multiple':
      case 'true_false':
        return {
          question_id: question.id,
          option_ids: (question.options ?? []).filter((option) => option.correct).map((option) => option.id),
        };
      case 'short_text':
        return { question_id: question.id, text: `  ${(question.answers?.[0] ?? '').toUpperCase()} ` };
      case 'numeric':
        return { question_id: question.id, number: question.number ?? 0 };
      default:
        return { question_id: question.id, text: 'A function that calls itself.' };
    }
  });
}
