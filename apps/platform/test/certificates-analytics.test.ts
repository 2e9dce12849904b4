import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpApp, Infrastructure } from '@lectern/kit';
import { testConfig, unique } from '@lectern/kit/testing';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../src/app.js';
import { platformConfigSchema } from '../src/config.js';
import { analyticsSql } from '@lectern/progress';

interface Account {
  id: number;
  email: string;
  headers: { authorization: string };
}

interface CertificateBody {
  id: string;
  course_id: number;
  course_title: string;
  learner: string;
  revoked: boolean;
  revoked_at: string | null;
  credential: string;
  jwks_url: string;
}

describe('certificates and analytics, through the all-in-one platform', () => {
  let app: HttpApp;
  let infrastructure: Infrastructure;
  let admin: Account;
  let instructor: Account;
  const adminEmail = `${unique('admin')}@example.com`;

  async function signIn(email: string, password: string): Promise<Account> {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
    expect(login.statusCode, login.body).toBe(200);
    const headers = { authorization: `Bearer ${login.json<{ access_token: string }>().access_token}` };
    const me = await app.inject({ url: '/api/auth/me', headers });
    return { id: me.json<{ id: number }>().id, email, headers };
  }

  async function newAccount(role: 'student' | 'instructor' = 'student'): Promise<Account> {
    const email = `${unique('learner')}@example.com`;
    const password = 'a-long-password-1';
    const created = await app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password },
    });
    expect(created.statusCode, created.body).toBe(201);
    if (role !== 'student') {
      const id = created.json<{ id: number }>().id;
      const promoted = await app.inject({
        method: 'PATCH',
        url: `/api/auth/users/${id}`,
        headers: admin.headers,
        payload: { role },
      });
      expect(promoted.statusCode, promoted.body).toBe(200);
    }
    return signIn(email, password);
  }

  async function courseWithLessons(count: number): Promise<{ id: number; title: string; lessons: number[] }> {
    const title = unique('Certified course');
    const course = await app.inject({
      method: 'POST',
      url: '/api/courses',
      headers: instructor.headers,
      payload: { title, description: 'Everything, in order.' },
    });
    expect(course.statusCode, course.body).toBe(201);
    const id = course.json<{ id: number }>().id;
    const lessons: number[] = [];
    for (let index = 0; index < count; index++) {
      const lesson = await app.inject({
        method: 'POST',
        url: `/api/courses/${id}/lessons`,
        headers: instructor.headers,
        payload: { title: `Lesson ${index + 1}`, content: 'Read this.' },
      });
      expect(lesson.statusCode, lesson.body).toBe(201);
      lessons.push(lesson.json<{ id: number }>().id);
    }
    const detail = await app.inject({ url: `/api/courses/${id}`, headers: instructor.headers });
    const ordered = detail.json<{ lessons: { id: number }[] }>().lessons.map((lesson) => lesson.id);
    expect(ordered.toSorted((a, b) => a - b)).toEqual(lessons.toSorted((a, b) => a - b));
    return { id, title, lessons: ordered };
  }

  async function complete(learner: Account, lessonId: number): Promise<void> {
    const response = await app.inject({
      method: 'POST',
      url: `/api/progress/${lessonId}/complete`,
      headers: learner.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  async function myCertificates(learner: Account) {
    const response = await app.inject({ url: '/api/progress/my/certificates', headers: learner.headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ id: string; course_id: number; course_title: string; revoked: boolean }[]>();
  }

  function pdfText(pdf: Buffer): string {
    const file = join(mkdtempSync(join(tmpdir(), 'lectern-certificate-')), 'certificate.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  }

  beforeAll(async () => {
    const config = testConfig(platformConfigSchema, {
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: 'admin-password-1',
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_TIME_COST: '1',
      PUBLIC_URL: 'https://lectern.example.edu',
      // Every learner here registers from the same address; its counters stay apart from other test files'.
      AUTH_RATE_LIMIT_MAX: '1000',
      CACHE_PREFIX: unique('lectern-certificates-'),
    });
    ({ app, infrastructure } = await buildPlatform(config, { logger: false }));
    await app.ready();
    admin = await signIn(adminEmail, 'admin-password-1');
    instructor = await newAccount('instructor');
  });

  afterAll(async () => {
    await app.close();
  });

  it('when a learner completes the last lesson, then one certificate is issued, signed, public, and in PDF', async () => {
    const course = await courseWithLessons(3);
    const learner = await newAccount();
    for (const lessonId of course.lessons.slice(0, 2)) await complete(learner, lessonId);
    expect(await myCertificates(learner)).toEqual([]);

    await complete(learner, course.lessons[2] ?? 0);
    await expect.poll(async () => (await myCertificates(learner)).length, { timeout: 10_000 }).toBe(1);
    await complete(learner, course.lessons[2] ?? 0);
    const [mine] = await myCertificates(learner);
    expect(mine).toMatchObject({ course_id: course.id, course_title: course.title, revoked: false });

    const view = await app.inject({ url: `/api/progress/certificates/${mine?.id ?? ''}` });
    expect(view.statusCode, view.body).toBe(200);
    const certificate = view.json<CertificateBody>();
    expect(certificate).toMatchObject({ learner: learner.email, revoked: false, revoked_at: null });
    expect(certificate.jwks_url).toBe('https://lectern.example.edu/api/progress/.well-known/jwks.json');

    const jwks = await app.inject({ url: '/api/progress/.well-known/jwks.json' });
    const { payload } = await jwtVerify(certificate.credential, createLocalJWKSet(jwks.json()), {
      algorithms: ['EdDSA'],
      issuer: 'https://lectern.example.edu',
    });
    expect(payload.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(payload).toMatchObject({
      id: `https://lectern.example.edu/certificates/${certificate.id}`,
      credentialSubject: { name: learner.email, achievement: { name: course.title } },
    });

    const pdf = await app.inject({ url: `/api/progress/certificates/${certificate.id}/pdf` });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.rawPayload);
    expect(text).toContain(course.title);
    expect(text).toContain(learner.email);
    expect(text).toContain(`https://lectern.example.edu/certificates/${certificate.id}`);
  });

  it('when lessons are deleted or undone later, then the certificate stays issued', async () => {
    const course = await courseWithLessons(2);
    const learner = await newAccount();
    for (const lessonId of course.lessons) await complete(learner, lessonId);
    await expect.poll(async () => (await myCertificates(learner)).length, { timeout: 10_000 }).toBe(1);
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/api/courses/${course.id}/lessons/${course.lessons[0] ?? 0}`,
      headers: instructor.headers,
    });
    expect(deleted.statusCode).toBe(204);
    const undone = await app.inject({
      method: 'DELETE',
      url: `/api/progress/${course.lessons[1] ?? 0}/complete`,
      headers: learner.headers,
    });
    expect(undone.statusCode).toBe(204);
    expect(await myCertificates(learner)).toHaveLength(1);
  });

  it('when an admin revokes a certificate, then the public page, the list and the PDF say so; nobody else may', async () => {
    const course = await courseWithLessons(1);
    const learner = await newAccount();
    await complete(learner, course.lessons[0] ?? 0);
    await expect.poll(async () => (await myCertificates(learner)).length, { timeout: 10_000 }).toBe(1);
    const id = (await myCertificates(learner))[0]?.id ?? '';

    for (const who of [learner, instructor]) {
      const refused = await app.inject({
        method: 'POST',
        url: `/api/progress/certificates/${id}/revoke`,
        headers: who.headers,
      });
      expect(refused.statusCode).toBe(403);
    }
    const revoked = await app.inject({
      method: 'POST',
      url: `/api/progress/certificates/${id}/revoke`,
      headers: admin.headers,
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    const body = revoked.json<CertificateBody>();
    expect(body.revoked).toBe(true);
    expect(body.revoked_at).not.toBeNull();

    const view = await app.inject({ url: `/api/progress/certificates/${id}` });
    expect(view.json<CertificateBody>().revoked).toBe(true);
    expect((await myCertificates(learner))[0]?.revoked).toBe(true);
    const pdf = await app.inject({ url: `/api/progress/certificates/${id}/pdf` });
    expect(pdfText(pdf.rawPayload)).toMatch(/Revoked on/);
  });

  it('when a certificate id is unknown or malformed, then 404 or 422, never a 500', async () => {
    expect((await app.inject({ url: '/api/progress/certificates/unknown-id' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/progress/certificates/unknown-id/pdf' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/progress/certificates/%00bad' })).statusCode).toBe(422);
  });

  it('when three learners stop at different lessons, then the funnel shows where, for the owner only', async () => {
    const course = await courseWithLessons(3);
    const stops = [1, 2, 3];
    for (const stop of stops) {
      const learner = await newAccount();
      const enrolled = await app.inject({
        method: 'POST',
        url: `/api/progress/courses/${course.id}/enrollment`,
        headers: learner.headers,
        payload: {},
      });
      expect(enrolled.statusCode, enrolled.body).toBe(201);
      for (const lessonId of course.lessons.slice(0, stop)) await complete(learner, lessonId);
    }
    const idle = await newAccount();
    await app.inject({
      method: 'POST',
      url: `/api/progress/courses/${course.id}/enrollment`,
      headers: idle.headers,
      payload: {},
    });

    const read = () =>
      app.inject({ url: `/api/progress/courses/${course.id}/analytics`, headers: instructor.headers });
    await expect
      .poll(async () => (await read()).json<{ completed: number }>().completed, { timeout: 10_000 })
      .toBe(1);
    expect((await read()).json()).toEqual({
      enrolled: 4,
      started: 3,
      completed: 1,
      completion_rate: 25,
      median_days_to_complete: 0,
      lessons: [
        { lesson_id: course.lessons[0], completed: 3, reached_percent: 75 },
        { lesson_id: course.lessons[1], completed: 2, reached_percent: 50 },
        { lesson_id: course.lessons[2], completed: 1, reached_percent: 25 },
      ],
    });

    const stranger = await newAccount('instructor');
    const refused = await app.inject({
      url: `/api/progress/courses/${course.id}/analytics`,
      headers: stranger.headers,
    });
    expect(refused.statusCode).toBe(403);
    const asAdmin = await app.inject({
      url: `/api/progress/courses/${course.id}/analytics`,
      headers: admin.headers,
    });
    expect(asAdmin.statusCode).toBe(200);
  });

  it('when analytics are read, then no statement touches the completions themselves, however many there are', async () => {
    const explain = async (statement: string, params: unknown[]) => {
      const { rows } = await infrastructure.database.query<Record<string, string>>(
        `explain ${statement}`,
        params,
      );
      return rows.map((row) => Object.values(row).join(' ')).join('\n');
    };
    const plans = [
      await explain(analyticsSql.totals, [1]),
      await explain(analyticsSql.completionDays, [1]),
      await explain(analyticsSql.lessons, [[1, 2, 3]]),
    ].join('\n');
    expect(plans).not.toMatch(/\bon (progress|course_progress|enrollments)\b/);
    expect(plans).toMatch(/course_stats/);
    expect(plans).toMatch(/lesson_stats/);
  });

  it('when an instructor authors a quiz first, then completions in that course still read the full outline', async () => {
    // Assessments and progress cache the courses outline in one namespace; each must keep its own entries.
    const course = await courseWithLessons(1);
    const quizLesson = await app.inject({
      method: 'POST',
      url: `/api/courses/${course.id}/lessons`,
      headers: instructor.headers,
      payload: { title: 'Check yourself', content: '', kind: 'quiz' },
    });
    expect(quizLesson.statusCode, quizLesson.body).toBe(201);
    const quizLessonId = quizLesson.json<{ id: number }>().id;
    const authored = await app.inject({
      method: 'PUT',
      url: `/api/assessments/quizzes/${quizLessonId}`,
      headers: instructor.headers,
      payload: {
        pass_percent: 50,
        questions: [
          {
            kind: 'true_false',
            text: 'Lessons come in order.',
            points: 1,
            options: [
              { text: 'True', correct: true },
              { text: 'False', correct: false },
            ],
          },
        ],
      },
    });
    expect(authored.statusCode, authored.body).toBe(200);

    const learner = await newAccount();
    await complete(learner, course.lessons[0] ?? 0);
    const summary = await app.inject({ url: `/api/progress/courses/${course.id}`, headers: learner.headers });
    expect(summary.statusCode, summary.body).toBe(200);
    expect(summary.json()).toMatchObject({ completed_lessons: 1, total_lessons: 2, percent: 50 });
  });
});
