import type { Page } from './api.types';
import { ApiError, requestJson, requestPage, withQuery } from './http';

/** One question's item statistics (GET /api/assessments/quizzes/:lesson_id/stats). */
export interface QuestionStats {
  question_id: number;
  kind: string;
  text: string;
  attempts: number;
  mean_score: number | null;
  share_correct: number | null;
  discrimination: number | null;
}

export function getQuizStats(lessonId: number, signal?: AbortSignal): Promise<QuestionStats[]> {
  return requestJson<QuestionStats[]>(`/api/assessments/quizzes/${lessonId}/stats`, {
    auth: 'required',
    signal,
  });
}

export type QuestionKind = 'single' | 'multiple' | 'true_false' | 'short_text' | 'numeric' | 'essay';
export const QUESTION_KINDS: readonly QuestionKind[] = [
  'single',
  'multiple',
  'true_false',
  'short_text',
  'numeric',
  'essay',
];
export type GradingMethod = 'highest' | 'last' | 'average';
export const GRADING_METHODS: readonly GradingMethod[] = ['highest', 'last', 'average'];
export type ShowAnswers = 'never' | 'after_submit' | 'after_close';
export const SHOW_ANSWERS: readonly ShowAnswers[] = ['after_submit', 'after_close', 'never'];

/** A quiz's settings as PUT /api/assessments/quizzes/:lesson_id takes and returns them (DESIGN §12). */
export interface QuizSettings {
  /** null: no time limit. */
  time_limit_seconds: number | null;
  /** null: unlimited. */
  max_attempts: number | null;
  pass_percent: number;
  grading: GradingMethod;
  shuffle_questions: boolean;
  shuffle_options: boolean;
  /** Questions drawn at random per attempt; null: all of them. */
  draw: number | null;
  show_answers: ShowAnswers;
  opens_at: string | null;
  closes_at: string | null;
  grace_seconds: number;
}

export interface KeyedOption {
  id: number;
  text: string;
  correct: boolean;
}

/** A question with its key, as the course owner and admins read it. */
export interface KeyedQuestion {
  id: number;
  kind: QuestionKind;
  text: string;
  points: number;
  options?: KeyedOption[];
  answers?: string[];
  number?: number;
  tolerance?: number;
}

export interface AuthoredQuiz extends QuizSettings {
  lesson_id: number;
  course_id: number;
  version: number;
  question_count: number;
  questions: KeyedQuestion[];
}

/** A question to save; `id` (and each option's `id`) keeps an existing one, so attempts keep their meaning. */
export interface QuestionInput {
  id?: number;
  kind: QuestionKind;
  text: string;
  points: number;
  options?: { id?: number; text: string; correct: boolean }[];
  answers?: string[];
  number?: number;
  tolerance?: number;
}

export interface QuizInput extends QuizSettings {
  questions: QuestionInput[];
}

/** The quiz with its keys (owner or admin); null when none has been authored for the lesson yet. */
export async function getAuthoredQuiz(lessonId: number, signal?: AbortSignal): Promise<AuthoredQuiz | null> {
  try {
    return await requestJson<AuthoredQuiz>(`/api/assessments/quizzes/${lessonId}`, {
      auth: 'required',
      signal,
      cache: 'no-cache',
    });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'quiz_not_found') return null;
    throw error;
  }
}

export function saveQuiz(lessonId: number, input: QuizInput): Promise<AuthoredQuiz> {
  return requestJson<AuthoredQuiz>(`/api/assessments/quizzes/${lessonId}`, {
    method: 'PUT',
    auth: 'required',
    body: input,
  });
}

/** Appends the questions of a GIFT text; a 422 `gift_invalid` names the failing line. */
export function importGift(lessonId: number, gift: string): Promise<AuthoredQuiz> {
  return requestJson<AuthoredQuiz>(`/api/assessments/quizzes/${lessonId}/import`, {
    method: 'POST',
    auth: 'required',
    text: gift,
  });
}

export type AttemptStatus = 'in_progress' | 'needs_grading' | 'graded';

export interface AttemptRow {
  id: number;
  user_id: number;
  number: number;
  status: AttemptStatus;
  started_at: string;
  submitted_at: string | null;
  score: number | null;
  max_score: number | null;
  percent: number | null;
  passed: boolean | null;
}

/** A quiz's attempts (owner or admin), e.g. the grading queue with status `needs_grading`, oldest first. */
export function listQuizAttempts(
  lessonId: number,
  query: { status?: AttemptStatus; limit: number; offset: number },
  signal?: AbortSignal,
): Promise<Page<AttemptRow>> {
  return requestPage<AttemptRow>(withQuery(`/api/assessments/quizzes/${lessonId}/attempts`, { ...query }), {
    auth: 'required',
    signal,
    cache: 'no-cache',
  });
}

export interface PaperQuestion {
  id: number;
  kind: QuestionKind;
  text: string;
  points: number;
  options?: { id: number; text: string }[];
}

export interface SavedResponse {
  question_id: number;
  option_ids?: number[];
  text?: string;
  number?: number;
}

export interface QuestionResult {
  id: number;
  /** null until graded by hand. */
  points: number | null;
  max_points: number;
  correct: boolean | null;
  comment: string | null;
  /** The question's key, only when the show_answers policy lets the learner see it. */
  key?: { option_ids?: number[]; accepted?: string[]; value?: number; tolerance?: number };
}

export interface AttemptDetail {
  id: number;
  lesson_id: number;
  user_id: number;
  number: number;
  status: AttemptStatus;
  submitted_at: string | null;
  score: number | null;
  max_score: number | null;
  percent: number | null;
  passed: boolean | null;
  questions: PaperQuestion[];
  responses: SavedResponse[];
  results?: QuestionResult[];
}

export function getAttempt(attemptId: number, signal?: AbortSignal): Promise<AttemptDetail> {
  return requestJson<AttemptDetail>(`/api/assessments/attempts/${attemptId}`, {
    auth: 'required',
    signal,
    cache: 'no-cache',
  });
}

export interface EssayGrade {
  question_id: number;
  points: number;
  comment?: string;
}

/** Grades one essay of an attempt; the attempt is graded once every essay has points. */
export function gradeEssay(attemptId: number, grade: EssayGrade): Promise<AttemptDetail> {
  return requestJson<AttemptDetail>(`/api/assessments/attempts/${attemptId}/grades`, {
    method: 'POST',
    auth: 'required',
    body: grade,
  });
}
