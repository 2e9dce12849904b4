import { buildApp as buildAuthApp, authConfigSchema } from '@lectern/auth';
import type { InternalFetch } from '@lectern/kit';
import { testConfig, unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  complete,
  createCourse,
  newUser,
  startHarness,
  type CourseFixture,
  type Harness,
  type TestUser,
} from './harness.js';

type AuthApp = Awaited<ReturnType<typeof buildAuthApp>>;

let harness: Harness;
let auth: AuthApp;
let progress: Harness['progress'];
let instructor: TestUser;

beforeAll(async () => {
  harness = await startHarness();
  auth = await buildAuthApp(testConfig(authConfigSchema, { AUTH_RATE_LIMIT_MAX: '100000' }), {
    logger: false,
  });
  await auth.ready();
  const fetchAuth: InternalFetch = async (path, request = {}) => {
    const response = await auth.inject({
      method: request.method ?? 'GET',
      url: path,
      payload: request.body as object,
    });
    return { status: response.statusCode, body: response.body };
  };
  progress = await harness.progressWith({}, { fetchAuth });
  instructor = await newUser(harness, 'instructor');
}, 60_000);

afterAll(async () => {
  await harness.close();
  await auth.close();
});

async function settings(course: CourseFixture, body: object): Promise<void> {
  const response = await harness.courses.inject({
    method: 'PUT',
    url: `/api/courses/${course.id}`,
    headers: instructor.headers,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(200);
}

async function invite(course: CourseFixture, body: object = {}): Promise<string> {
  const response = await harness.courses.inject({
    method: 'POST',
    url: `/api/courses/${course.id}/invites`,
    headers: instructor.headers,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ code: string }>().code;
}

async function inviteUses(course: CourseFixture): Promise<number[]> {
  const response = await harness.courses.inject({
    url: `/api/courses/${course.id}/invites`,
    headers: instructor.headers,
  });
  return response.json<{ uses: number }[]>().map((item) => item.uses);
}

interface AccessAnswer {
  status: number;
  course_id?: number;
  problem?: { code?: string; detail?: string };
}

/**
 * Asks assessments' batch route about these checks, then asks about each alone: both must answer alike (status, and
 * a refusal's problem). Answers the batch's answers, in order.
 */
async function accessBatchAgreeingWithSingles(
  checks: readonly { user_id: number; lesson_id: number }[],
): Promise<AccessAnswer[]> {
  const batch = await progress.inject({
    method: 'POST',
    url: '/internal/progress/access/batch',
    payload: { checks },
  });
  expect(batch.statusCode, batch.body).toBe(200);
  const { answers } = batch.json<{ answers: AccessAnswer[] }>();
  for (const [index, check] of checks.entries()) {
    const single = await progress.inject({
      method: 'POST',
      url: '/internal/progress/access',
      payload: check,
    });
    expect(single.statusCode).toBe(answers[index]?.status);
    if (single.statusCode >= 400) expect(single.json()).toMatchObject(answers[index]?.problem ?? {});
  }
  return answers;
}

function enroll(user: TestUser, course: CourseFixture, payload?: object, app = progress) {
  return app.inject({
    method: 'POST',
    url: `/api/progress/courses/${course.id}/enrollment`,
    headers: user.headers,
    ...(payload ? { payload } : {}),
  });
}

const code = (response: { body: string }) => (JSON.parse(response.body) as { code?: string }).code;

describe('enrollment', () => {
  it('when a learner enrols in an open course, then 201, a repeat is 200 with the same body, and My courses lists it', async () => {
    const course = await createCourse(harness, instructor, 2);
    const student = await newUser(harness);
    const first = await enroll(student, course);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ course_id: course.id, status: 'enrolled' });
    const again = await enroll(student, course);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const mine = await progress.inject({ url: '/api/progress/my/courses', headers: student.headers });
    expect(mine.json()).toMatchObject([{ course_id: course.id, percent: 0 }]);

    const left = await progress.inject({
      method: 'DELETE',
      url: `/api/progress/courses/${course.id}/enrollment`,
      headers: student.headers,
    });
    expect(left.statusCode).toBe(204);
    const after = await progress.inject({ url: '/api/progress/my/courses', headers: student.headers });
    expect(after.json()).toEqual([]);
  });

  it('when the course is closed, outside its window, a draft or missing, then 403 enrollment_closed or 404', async () => {
    const student = await newUser(harness);
    const closed = await createCourse(harness, instructor, 1);
    await settings(closed, { enrollment: 'closed' });
    expect(code(await enroll(student, closed))).toBe('enrollment_closed');
    const later = await createCourse(harness, instructor, 1);
    await settings(later, { enroll_opens_at: new Date(Date.now() + 86_400_000).toISOString() });
    expect(code(await enroll(student, later))).toBe('enrollment_closed');
    const over = await createCourse(harness, instructor, 1);
    await settings(over, { enroll_closes_at: new Date(Date.now() - 1000).toISOString() });
    expect(code(await enroll(student, over))).toBe('enrollment_closed');
    const draft = await createCourse(harness, instructor, 1, { published: false });
    expect((await enroll(student, draft)).statusCode).toBe(404);
    expect((await enroll(student, { id: 9_007_199_254_740_991, lessonIds: [] })).statusCode).toBe(404);
  });

  it('when a course takes invites, then a code is needed, counted once per learner, and a used-up or unknown one is refused', async () => {
    const course = await createCourse(harness, instructor, 1);
    await settings(course, { enrollment: 'invite' });
    const inviteCode = await invite(course, { max_uses: 1 });
    const [first, second] = [await newUser(harness), await newUser(harness)];
    expect(code(await enroll(first, course))).toBe('invite_required');
    expect(code(await enroll(first, course, { invite_code: 'not-a-code' }))).toBe('invalid_invite');
    expect((await enroll(first, course, { invite_code: inviteCode })).statusCode).toBe(201);
    expect((await enroll(first, course, { invite_code: inviteCode })).statusCode).toBe(200);
    expect(await inviteUses(course)).toEqual([1]);
    expect(code(await enroll(second, course, { invite_code: inviteCode }))).toBe('invalid_invite');
    const expired = await invite(course, { expires_at: new Date(Date.now() - 1000).toISOString() });
    expect(code(await enroll(second, course, { invite_code: expired }))).toBe('invalid_invite');
  });

  it('when an invited learner finds the course full, then 409 course_full and the code keeps its use', async () => {
    const course = await createCourse(harness, instructor, 1);
    await settings(course, { enrollment: 'invite', capacity: 1 });
    const inviteCode = await invite(course, { max_uses: 5 });
    expect((await enroll(await newUser(harness), course, { invite_code: inviteCode })).statusCode).toBe(201);
    const late = await enroll(await newUser(harness), course, { invite_code: inviteCode });
    expect(late.statusCode).toBe(409);
    expect(code(late)).toBe('course_full');
    expect(await inviteUses(course)).toEqual([1]);
  });
});

describe('completion needs enrollment', () => {
  it('when a learner completes a lesson of an open course, then it enrols them; elsewhere 403 not_enrolled', async () => {
    const open = await createCourse(harness, instructor, 1);
    const student = await newUser(harness);
    expect((await complete(progress, student, open.lessonIds[0] ?? 0)).statusCode).toBe(200);
    expect((await enroll(student, open)).statusCode).toBe(200);

    const invited = await createCourse(harness, instructor, 1);
    await settings(invited, { enrollment: 'invite' });
    const refused = await complete(progress, student, invited.lessonIds[0] ?? 0);
    expect(refused.statusCode).toBe(403);
    expect(code(refused)).toBe('not_enrolled');
    expect((await complete(progress, instructor, invited.lessonIds[0] ?? 0)).statusCode).toBe(200);
  });

  it('when first completions of an open course without a seat limit arrive at once through two instances, then each learner is enrolled once and counted once', async () => {
    const course = await createCourse(harness, instructor, 3);
    const other = await harness.progressWith({});
    const learners = await Promise.all(Array.from({ length: 40 }, () => newUser(harness)));
    // Every learner completes every lesson, each lesson on both instances: 240 requests, 120 completions.
    const requests = learners.flatMap((learner) =>
      course.lessonIds.flatMap((lessonId) => [
        complete(progress, learner, lessonId),
        complete(other, learner, lessonId),
      ]),
    );
    const statuses = (await Promise.all(requests)).map((answer) => answer.statusCode);
    expect(statuses.every((status) => status === 200)).toBe(true);

    const { database } = harness.infrastructure;
    const enrolled = await database.query<{ user_id: string }>(
      'select user_id from progress.enrollments where course_id = $1',
      [course.id],
    );
    const ids = (rows: { user_id: string }[]) => rows.map((row) => Number(row.user_id)).sort((a, b) => a - b);
    expect(ids(enrolled.rows)).toEqual(learners.map((learner) => learner.id).sort((a, b) => a - b));
    const seats = await database.query<{ taken: number }>(
      'select taken from progress.course_seats where course_id = $1',
      [course.id],
    );
    expect(seats.rows[0]?.taken).toBe(learners.length);
    const started = await database.query<{ started: number }>(
      'select started from progress.course_stats where course_id = $1',
      [course.id],
    );
    expect(started.rows[0]?.started).toBe(learners.length);
  }, 120_000);

  it('when learners enrol and complete their first lesson at the same moment, through two instances, then both succeed and each is counted once', async () => {
    const course = await createCourse(harness, instructor, 1);
    const other = await harness.progressWith({});
    const learners = await Promise.all(Array.from({ length: 60 }, () => newUser(harness)));
    const lessonId = course.lessonIds[0] ?? 0;
    const answers = await Promise.all(
      learners.flatMap((learner, index) => [
        enroll(learner, course, undefined, index % 2 === 0 ? progress : other),
        complete(index % 2 === 0 ? other : progress, learner, lessonId),
      ]),
    );
    expect(answers.map((answer) => answer.statusCode).filter((status) => status >= 300)).toEqual([]);
    const { database } = harness.infrastructure;
    const seats = await database.query<{ taken: number }>(
      'select taken from progress.course_seats where course_id = $1',
      [course.id],
    );
    expect(seats.rows[0]?.taken).toBe(learners.length);
    const enrolled = await database.query<{ count: string }>(
      'select count(*) from progress.enrollments where course_id = $1',
      [course.id],
    );
    expect(Number(enrolled.rows[0]?.count)).toBe(learners.length);
  }, 120_000);

  it('when an open course has a seat limit or its enrolment window has closed, then a completion still asks for a seat, and a newcomer is refused', async () => {
    const limited = await createCourse(harness, instructor, 1);
    await settings(limited, { capacity: 1 });
    const first = await newUser(harness);
    const second = await newUser(harness);
    expect((await complete(progress, first, limited.lessonIds[0] ?? 0)).statusCode).toBe(200);
    const full = await complete(progress, second, limited.lessonIds[0] ?? 0);
    expect(full.statusCode).toBe(409);
    expect(code(full)).toBe('course_full');

    const closing = await createCourse(harness, instructor, 2);
    const member = await newUser(harness);
    expect((await enroll(member, closing)).statusCode).toBe(201);
    await settings(closing, { enroll_closes_at: new Date(Date.now() - 1000).toISOString() });
    const late = await complete(progress, await newUser(harness), closing.lessonIds[0] ?? 0);
    expect(late.statusCode).toBe(403);
    expect(code(late)).toBe('enrollment_closed');
    expect((await complete(progress, member, closing.lessonIds[0] ?? 0)).statusCode).toBe(200);
  });

  it('when a sequential course is completed out of order, then 409 lesson_locked naming the lesson before', async () => {
    const course = await createCourse(harness, instructor, 3);
    await settings(course, { sequential: true });
    const student = await newUser(harness);
    const [first, second, third] = course.lessonIds;
    const locked = await complete(progress, student, third ?? 0);
    expect(locked.statusCode).toBe(409);
    expect(code(locked)).toBe('lesson_locked');
    expect((await complete(progress, student, first ?? 0)).statusCode).toBe(200);
    expect((await complete(progress, student, second ?? 0)).statusCode).toBe(200);
    expect((await complete(progress, student, third ?? 0)).statusCode).toBe(200);
  });

  it('when assessments asks in one batch about a sequential course, then each learner is locked at the first lesson they skipped', async () => {
    const course = await createCourse(harness, instructor, 3);
    await settings(course, { sequential: true });
    const [first = 0, second = 0, third = 0] = course.lessonIds;
    const [finished, halfway, newcomer] = [
      await newUser(harness),
      await newUser(harness),
      await newUser(harness),
    ];
    for (const lesson of [first, second])
      expect((await complete(progress, finished, lesson)).statusCode).toBe(200);
    expect((await complete(progress, halfway, first)).statusCode).toBe(200);
    const checks = [
      { user_id: finished.id, lesson_id: third },
      { user_id: halfway.id, lesson_id: third },
      { user_id: halfway.id, lesson_id: second },
      { user_id: newcomer.id, lesson_id: third },
      { user_id: newcomer.id, lesson_id: first },
    ];
    const answers = await accessBatchAgreeingWithSingles(checks);
    expect(answers).toMatchObject([
      { status: 200, course_id: course.id },
      { status: 409, problem: { code: 'lesson_locked' } },
      { status: 200, course_id: course.id },
      { status: 409, problem: { code: 'lesson_locked' } },
      { status: 200, course_id: course.id },
    ]);
    // Each locked learner is sent to the first lesson they have not done.
    expect(answers[1]?.problem?.detail).toContain(`complete lesson ${second} before`);
    expect(answers[3]?.problem?.detail).toContain(`complete lesson ${first} before`);
  });

  it('when a lesson is a quiz or not released, then the public completion refuses it; assessments complete quizzes', async () => {
    const course = await createCourse(harness, instructor, 0);
    const section = await harness.courses.inject({
      method: 'POST',
      url: `/api/courses/${course.id}/sections`,
      headers: instructor.headers,
      payload: { title: 'Later', available_from: new Date(Date.now() + 86_400_000).toISOString() },
    });
    const addLesson = async (payload: object) => {
      const response = await harness.courses.inject({
        method: 'POST',
        url: `/api/courses/${course.id}/lessons`,
        headers: instructor.headers,
        payload: { title: unique('lesson'), ...payload },
      });
      return response.json<{ id: number }>().id;
    };
    const quiz = await addLesson({ kind: 'quiz' });
    const later = await addLesson({ section_id: section.json<{ id: number }>().id });
    const student = await newUser(harness);

    const quizAnswer = await complete(progress, student, quiz);
    expect(quizAnswer.statusCode).toBe(409);
    expect(code(quizAnswer)).toBe('quiz_required');
    const internal = (url: string, payload: object) => progress.inject({ method: 'POST', url, payload });
    const access = await internal('/internal/progress/access', { user_id: student.id, lesson_id: quiz });
    expect(access.json()).toEqual({ course_id: course.id, enrolled: true });
    const passed = await internal(`/internal/progress/lessons/${quiz}/complete`, { user_id: student.id });
    expect(passed.json()).toEqual({ ok: true, lesson_id: quiz });
    const summary = await progress.inject({
      url: `/api/progress/courses/${course.id}`,
      headers: student.headers,
    });
    expect(summary.json()).toMatchObject({ completed_lesson_ids: [quiz] });

    const early = await complete(progress, student, later);
    expect(early.statusCode).toBe(403);
    expect(early.json()).toMatchObject({
      code: 'not_available_yet',
      available_from: expect.any(String) as string,
    });
    const earlyAccess = await internal('/internal/progress/access', {
      user_id: student.id,
      lesson_id: later,
    });
    expect(code(earlyAccess)).toBe('not_available_yet');
    const missing = await internal('/internal/progress/access', { user_id: student.id, lesson_id: 2 ** 52 });
    expect(missing.statusCode).toBe(404);
  });

  it('when assessments asks about many learners in one batch, then each check is answered as the single route answers it, in order', async () => {
    const open = await createCourse(harness, instructor, 1);
    const invited = await createCourse(harness, instructor, 1);
    await settings(invited, { enrollment: 'invite' });
    const member = await newUser(harness);
    const inviteCode = await invite(invited);
    expect((await enroll(member, invited, { invite_code: inviteCode })).statusCode).toBe(201);
    const [newcomer, outsider] = [await newUser(harness), await newUser(harness)];
    const [invitedLesson = 0, openLesson = 0] = [invited.lessonIds[0], open.lessonIds[0]];
    const checks = [
      { user_id: member.id, lesson_id: invitedLesson },
      { user_id: newcomer.id, lesson_id: openLesson },
      { user_id: outsider.id, lesson_id: invitedLesson },
      { user_id: outsider.id, lesson_id: 2 ** 52 },
    ];
    const answers = await accessBatchAgreeingWithSingles(checks);
    expect(answers).toMatchObject([
      { status: 200, course_id: invited.id },
      { status: 200, course_id: open.id },
      { status: 403, problem: { code: 'not_enrolled' } },
      { status: 404, problem: { code: 'lesson_not_found' } },
    ]);
    // The open course enrolled the newcomer, as a single check does.
    expect((await enroll(newcomer, open)).statusCode).toBe(200);

    const empty = await progress.inject({
      method: 'POST',
      url: '/internal/progress/access/batch',
      payload: { checks: [] },
    });
    expect(empty.statusCode).toBe(422);
  });
});

describe('roster', () => {
  it('when the owner reads the roster, then learners come with e-mails and progress, paged, and as CSV', async () => {
    const course = await createCourse(harness, instructor, 2);
    const emails = [`${unique('a')}@example.com`, `${unique('b')}@example.com`];
    const learners: TestUser[] = [];
    for (const email of emails) {
      const registered = await auth.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email, password: 'correct horse battery staple' },
      });
      expect(registered.statusCode, registered.body).toBe(201);
      const { id } = registered.json<{ id: number }>();
      const token = await harness.issuer.sign({ id, email, role: 'student' });
      learners.push({ id, email, role: 'student', headers: { authorization: `Bearer ${token}` } });
    }
    for (const learner of learners) expect((await enroll(learner, course)).statusCode).toBe(201);
    await complete(progress, learners[0] as TestUser, course.lessonIds[0] ?? 0);

    const url = `/api/progress/courses/${course.id}/enrollments`;
    const page = await progress.inject({ url: `${url}?limit=1`, headers: instructor.headers });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['x-total-count']).toBe('2');
    expect(page.headers.link).toContain('offset=1');
    expect(page.json()).toEqual([
      {
        user_id: learners[0]?.id,
        email: emails[0],
        enrolled_at: expect.any(String) as string,
        completed_lessons: 1,
        percent: 50,
        last_completed_at: expect.any(String) as string,
      },
    ]);
    const csv = await progress.inject({ url, headers: { ...instructor.headers, accept: 'text/csv' } });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('user_id,email,enrolled_at,completed_lessons,percent,last_completed_at');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 2).join(','))).toEqual(
      learners.map((learner) => `${learner.id},${learner.email}`),
    );
    const learner = learners[1] as TestUser;
    expect((await progress.inject({ url, headers: learner.headers })).statusCode).toBe(403);
  });
});

describe('capacity under a rush', () => {
  it('when 400 learners enrol at once through two instances in a course of 150 seats, then exactly 150 are enrolled and told so, and 250 are told full', async () => {
    const course = await createCourse(harness, instructor, 1);
    const capacity = 150;
    await settings(course, { capacity });
    const other = await harness.progressWith({});
    const learners = await Promise.all(Array.from({ length: 400 }, () => newUser(harness)));
    const answers = await Promise.all(
      learners.map((learner, index) =>
        enroll(learner, course, undefined, index % 2 === 0 ? progress : other),
      ),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(capacity);
    expect(statuses.filter((status) => status === 409)).toHaveLength(learners.length - capacity);
    const refusals = answers.filter((answer) => answer.statusCode === 409);
    expect(refusals.every((answer) => code(answer) === 'course_full')).toBe(true);

    // Everyone told "enrolled" holds a seat, and nobody else does.
    const told = learners.filter((_, index) => statuses[index] === 201).map((learner) => learner.id);
    const { rows } = await harness.infrastructure.database.query<{ user_id: string }>(
      'select user_id from progress.enrollments where course_id = $1',
      [course.id],
    );
    expect(rows.map((row) => Number(row.user_id)).sort((a, b) => a - b)).toEqual(told.sort((a, b) => a - b));
    const seats = await harness.infrastructure.database.query<{ taken: number }>(
      'select taken from progress.course_seats where course_id = $1',
      [course.id],
    );
    expect(seats.rows[0]?.taken).toBe(capacity);

    // A freed seat goes to the next learner, and only one.
    const leaver = learners[statuses.indexOf(201)] as TestUser;
    await progress.inject({
      method: 'DELETE',
      url: `/api/progress/courses/${course.id}/enrollment`,
      headers: leaver.headers,
    });
    const refused = learners.filter((_, index) => statuses[index] === 409).slice(0, 20);
    const retries = await Promise.all(
      refused.map((learner, index) => enroll(learner, course, undefined, index % 2 === 0 ? progress : other)),
    );
    expect(retries.filter((answer) => answer.statusCode === 201)).toHaveLength(1);
  }, 120_000);
});
