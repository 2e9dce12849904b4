export type Role = 'student' | 'instructor' | 'admin';

export const ROLES: readonly Role[] = ['student', 'instructor', 'admin'];

export interface User {
  id: number;
  email: string;
  role: Role;
  /** Missing from servers older than e-mail verification. */
  email_verified?: boolean;
  created_at: string;
}

export interface TokenPair {
  access_token: string;
  token_type: string;
  expires_in: number;
  /** Absent in cookie mode, which the web app uses: the refresh token is then an HttpOnly cookie. */
  refresh_token?: string;
}

export type EnrollmentPolicy = 'open' | 'invite' | 'closed';

export const ENROLLMENT_POLICIES: readonly EnrollmentPolicy[] = ['open', 'invite', 'closed'];

/** Who may enrol and when (DESIGN §11); set on the course by its owner or an admin. */
export interface EnrollmentSettings {
  enrollment: EnrollmentPolicy;
  /** Seats; null for unlimited. */
  capacity: number | null;
  enroll_opens_at: string | null;
  enroll_closes_at: string | null;
  /** Lessons must be completed in order. */
  sequential: boolean;
}

export interface Course extends EnrollmentSettings {
  id: number;
  title: string;
  description: string;
  owner_id: number;
  published: boolean;
  lessons_count: number;
  created_at: string;
  updated_at: string;
}

export type LessonKind = 'text' | 'quiz';

export interface LessonSummary {
  id: number;
  title: string;
  order: number;
  kind: LessonKind;
  section_id: number | null;
}

export interface Section {
  id: number;
  title: string;
  order: number;
  /** Learners see the lessons' content from this moment; null: released. */
  available_from: string | null;
  lesson_ids: number[];
}

export interface CourseDetail extends Course {
  lessons: LessonSummary[];
  sections: Section[];
}

export interface Lesson {
  id: number;
  course_id: number;
  title: string;
  /** Empty for learners until the lesson's section opens. */
  content: string;
  order: number;
  section_id: number | null;
  kind: LessonKind;
  /** Its section's release instant. */
  available_from: string | null;
}

export interface Enrollment {
  course_id: number;
  status: 'enrolled';
  enrolled_at: string;
}

export interface Invite {
  code: string;
  max_uses: number | null;
  uses: number;
  expires_at: string | null;
}

/** One learner of a course, as its owner sees them. */
export interface RosterEntry {
  user_id: number;
  /** Null for an account deleted since. */
  email: string | null;
  enrolled_at: string;
  completed_lessons: number;
  percent: number;
  last_completed_at: string | null;
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
  /** With `not_available_yet`: when the content is released. */
  available_from?: string;
}

/** One of the signed-in learner's certificates (GET /api/progress/my/certificates). */
export interface CertificateSummary {
  id: string;
  course_id: number;
  course_title: string;
  issued_at: string;
  revoked: boolean;
}

/** A certificate as anyone sees it (GET /api/progress/certificates/:id): the credential is an Open Badges 3.0 VC-JWT. */
export interface Certificate {
  id: string;
  course_id: number;
  course_title: string;
  learner: string;
  issued_at: string;
  revoked: boolean;
  revoked_at: string | null;
  credential: string;
  jwks_url: string;
}

export interface LessonFunnelStep {
  lesson_id: number;
  completed: number;
  reached_percent: number;
}

/** A course's drop-off funnel and totals (GET /api/progress/courses/:id/analytics). */
export interface CourseAnalytics {
  enrolled: number;
  started: number;
  completed: number;
  completion_rate: number;
  median_days_to_complete: number | null;
  lessons: LessonFunnelStep[];
}
