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

export interface Account {
  id: number;
  email: string;
  role: Role;
}

export class Api {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
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
    return JSON.parse(text) as T;
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
    lesson: { title: string; content: string },
  ): Promise<CreatedLesson> {
    return this.call<CreatedLesson>('POST', `/api/courses/${courseId}/lessons`, lesson, token);
  }
}
