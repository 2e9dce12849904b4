export type Role = 'student' | 'instructor' | 'admin';

export const ROLES: readonly Role[] = ['student', 'instructor', 'admin'];

export interface User {
  id: number;
  email: string;
  role: Role;
  created_at: string;
}

export interface TokenPair {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

export interface Course {
  id: number;
  title: string;
  description: string;
  owner_id: number;
  published: boolean;
  lessons_count: number;
  created_at: string;
  updated_at: string;
}

export interface LessonSummary {
  id: number;
  title: string;
  order: number;
}

export interface CourseDetail extends Course {
  lessons: LessonSummary[];
}

export interface Lesson {
  id: number;
  course_id: number;
  title: string;
  content: string;
  order: number;
}

export interface Completion {
  lesson_id: number;
  completed_at: string;
}

export interface CourseProgress {
  course_id: number;
  completed_lessons: number;
  total_lessons: number;
  percent: number;
  next_lesson_id: number | null;
  last_completed_at: string | null;
  completed_at: string | null;
  completed_lesson_ids: number[];
}

export interface Page<T> {
  items: T[];
  /** From `X-Total-Count`; null when the server did not send it. */
  total: number | null;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: FieldError[];
  retry_after?: number;
}
