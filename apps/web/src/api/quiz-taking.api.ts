import { requestJson, send } from './http';
import { estimateOffset, type ClockEstimate } from '../lib/server-clock';
import type {
  AttemptStatus,
  PaperQuestion,
  QuestionKind,
  QuestionResult,
  SavedResponse,
  ShowAnswers,
} from './assessments.api';

/** The learner's side of a quiz (DESIGN §12, "Taking"): never a key, a `correct` flag or an accepted answer. */

export type { AttemptStatus, PaperQuestion, QuestionKind, QuestionResult, ShowAnswers };
/** One saved answer; which field is set depends on the question's kind. */
export type AnswerInput = SavedResponse;

export interface AttemptSummary {
  id: number;
  number: number;
  status: AttemptStatus;
  started_at: string;
  deadline: string | null;
  submitted_at: string | null;
  score: number | null;
  max_score: number | null;
  percent: number | null;
  passed: boolean | null;
}

/** GET /api/assessments/quizzes/:lesson_id as a learner sees it. */
export interface LearnerQuiz {
  lesson_id: number;
  course_id: number;
  time_limit_seconds: number | null;
  max_attempts: number | null;
  pass_percent: number;
  grading: 'highest' | 'last' | 'average';
  show_answers: ShowAnswers;
  opens_at: string | null;
  closes_at: string | null;
  grace_seconds: number;
  question_count: number;
  attempts?: AttemptSummary[];
  grade_percent?: number | null;
  passed?: boolean;
}

/** GET /api/assessments/attempts/:id: the attempt with its questions in its order and the saved answers. */
export interface AttemptView {
  id: number;
  lesson_id: number;
  number: number;
  status: AttemptStatus;
  started_at: string;
  deadline: string | null;
  submitted_at: string | null;
  closed_by_server: boolean;
  score: number | null;
  max_score: number | null;
  percent: number | null;
  passed: boolean | null;
  questions: PaperQuestion[];
  responses: AnswerInput[];
  /** Per-question results, only as the quiz's `show_answers` allows. */
  results?: QuestionResult[];
}

/** POST /api/assessments/attempts/:id/submit. */
export interface AttemptResult {
  id: number;
  status: AttemptStatus;
  score: number | null;
  max_score: number | null;
  percent: number | null;
  passed: boolean;
  questions?: QuestionResult[];
}

export interface StartedAttempt {
  id: number;
  number: number;
  started_at: string;
  deadline: string | null;
}

/** A value read from the server with how far the server's clock is ahead of this browser's. */
export interface Clocked<T> {
  data: T;
  clock: ClockEstimate | null;
}

export function getLearnerQuiz(lessonId: number, signal?: AbortSignal): Promise<LearnerQuiz> {
  return requestJson<LearnerQuiz>(`/api/assessments/quizzes/${lessonId}`, {
    auth: 'required',
    signal,
    cache: 'no-cache',
  });
}

/** Starts an attempt, or answers the one in progress. */
export async function startAttempt(lessonId: number): Promise<StartedAttempt> {
  return requestJson<StartedAttempt>(`/api/assessments/quizzes/${lessonId}/attempts`, {
    method: 'POST',
    auth: 'required',
  });
}

/** The attempt, and the server's clock from the response's `Date` header (the countdown trusts only that). */
export async function getAttempt(attemptId: number, signal?: AbortSignal): Promise<Clocked<AttemptView>> {
  const sentAt = Date.now();
  const response = await send(`/api/assessments/attempts/${attemptId}`, {
    auth: 'required',
    signal,
    cache: 'no-store',
  });
  const data = (await response.json()) as AttemptView;
  const clock = estimateOffset({ sentAt, receivedAt: Date.now(), date: response.headers.get('date') });
  return { data, clock };
}

/** Saves answers; `saved_at` is the server's clock to the millisecond, a precise sample for the countdown. */
export async function saveAnswers(
  attemptId: number,
  answers: AnswerInput[],
): Promise<Clocked<{ saved_at: string }>> {
  const sentAt = Date.now();
  const data = await requestJson<{ saved_at: string }>(`/api/assessments/attempts/${attemptId}/answers`, {
    method: 'PUT',
    auth: 'required',
    body: { answers },
  });
  return { data, clock: estimateOffset({ sentAt, receivedAt: Date.now(), serverInstant: data.saved_at }) };
}

export function submitAttempt(attemptId: number): Promise<AttemptResult> {
  return requestJson<AttemptResult>(`/api/assessments/attempts/${attemptId}/submit`, {
    method: 'POST',
    auth: 'required',
  });
}
