/** Node-side calls to the platform's public API, to set up data a test does not exercise through the UI. */

export type Role = 'student' | 'instructor' | 'admin';

export interface CreatedCourse {
  id: number;
  title: string;
}

export interface CreatedLesson {
  id: number;
  title: string;
  order: number;
}

export interface CreatedSection {
  id: number;
  title: string;
}

export interface Account {
  id: number;
  email: string;
  role: Role;
}

export class Api {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const text = await this.send(method, path, body, token);
    return JSON.parse(text) as T;
  }

  private async send(method: string, path: string, body?: unknown, token?: string): Promise<string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text;
  }

  /** Any JSON call, for a test's own resources (e.g. a learner taking a quiz); throws on a non-2xx answer. */
  request<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    return this.call<T>(method, path, body, token);
  }

  register(email: string, password: string): Promise<Account> {
    return this.call<Account>('POST', '/api/auth/register', { email, password });
  }

  async login(email: string, password: string): Promise<string> {
    const tokens = await this.call<{ access_token: string }>('POST', '/api/auth/login', { email, password });
    return tokens.access_token;
  }

  setRole(adminToken: string, userId: number, role: Role): Promise<Account> {
    return this.call<Account>('PATCH', `/api/auth/users/${userId}`, { role }, adminToken);
  }

  createCourse(
    token: string,
    course: { title: string; description: string; published: boolean },
  ): Promise<CreatedCourse> {
    return this.call<CreatedCourse>('POST', '/api/courses', course, token);
  }

  addLesson(
    token: string,
    courseId: number,
    lesson: { title: string; content: string; kind?: 'text' | 'quiz' },
  ): Promise<CreatedLesson> {
    return this.call<CreatedLesson>('POST', `/api/courses/${courseId}/lessons`, lesson, token);
  }

  updateCourse(token: string, courseId: number, changes: Record<string, unknown>): Promise<CreatedCourse> {
    return this.call<CreatedCourse>('PUT', `/api/courses/${courseId}`, changes, token);
  }

  createSection(
    token: string,
    courseId: number,
    section: { title: string; available_from?: string | null },
  ): Promise<CreatedSection> {
    return this.call<CreatedSection>('POST', `/api/courses/${courseId}/sections`, section, token);
  }

  moveLesson(
    token: string,
    courseId: number,
    lessonId: number,
    sectionId: number | null,
  ): Promise<CreatedLesson> {
    return this.call<CreatedLesson>(
      'PUT',
      `/api/courses/${courseId}/lessons/${lessonId}`,
      { section_id: sectionId },
      token,
    );
  }

  createInvite(
    token: string,
    courseId: number,
    invite: { max_uses?: number } = {},
  ): Promise<{ code: string }> {
    return this.call<{ code: string }>('POST', `/api/courses/${courseId}/invites`, invite, token);
  }

  async enroll(token: string, courseId: number, inviteCode?: string): Promise<void> {
    await this.send(
      'POST',
      `/api/progress/courses/${courseId}/enrollment`,
      inviteCode === undefined ? {} : { invite_code: inviteCode },
      token,
    );
  }

  async completeLesson(token: string, lessonId: number): Promise<void> {
    await this.send('POST', `/api/progress/${lessonId}/complete`, undefined, token);
  }

  /** Creates or replaces a quiz lesson's quiz; answers the owner's view, keys included. */
  putQuiz<T>(token: string, lessonId: number, quiz: Record<string, unknown>): Promise<T> {
    return this.call<T>('PUT', `/api/assessments/quizzes/${lessonId}`, quiz, token);
  }

  /** Grades one essay of an attempt by hand, as the course owner. */
  async gradeEssay(token: string, attemptId: number, questionId: number, points: number): Promise<void> {
    await this.send(
      'POST',
      `/api/assessments/attempts/${attemptId}/grades`,
      { question_id: questionId, points },
      token,
    );
  }

  /** Any request, answered as it is (status and parsed body), for asserting refusals. */
  async raw(
    method: string,
    path: string,
    body: unknown,
    token: string,
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }
}
