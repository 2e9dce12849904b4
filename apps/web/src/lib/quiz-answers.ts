import type { AnswerInput, AttemptSummary, LearnerQuiz, PaperQuestion } from '../api/quiz-taking.api';

/** What the learner entered for one question; numbers are kept as typed until they parse. */
export interface Draft {
  optionIds: number[];
  text: string;
}

export const emptyDraft: Draft = { optionIds: [], text: '' };

/** A number as people type it: `3.14`, `3,14` (Russian), `-2`, `1e3`; null when it is not one. */
export function parseNumber(typed: string): number | null {
  const normalized = typed.trim().replace(/\s/g, '').replace(',', '.');
  if (normalized === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(normalized)) return null;
  const value = Number(normalized);
  return Number.isFinite(value) ? value : null;
}

/** The saved answers of an attempt as drafts, by question id. */
export function draftsFromSaved(
  questions: readonly PaperQuestion[],
  saved: readonly AnswerInput[],
): Map<number, Draft> {
  const byQuestion = new Map(saved.map((answer) => [answer.question_id, answer]));
  const drafts = new Map<number, Draft>();
  for (const question of questions) {
    const answer = byQuestion.get(question.id);
    if (answer === undefined) continue;
    drafts.set(question.id, {
      optionIds: answer.option_ids ?? [],
      text: answer.text ?? (answer.number === undefined ? '' : String(answer.number)),
    });
  }
  return drafts;
}

/**
 * The answer to send for a draft. A numeric field that does not parse (yet) clears the saved number: the server
 * then grades what the learner can see, an unanswered question.
 */
export function answerOf(question: PaperQuestion, draft: Draft): AnswerInput {
  switch (question.kind) {
    case 'single':
    case 'multiple':
    case 'true_false':
      return { question_id: question.id, option_ids: draft.optionIds };
    case 'numeric': {
      const value = parseNumber(draft.text);
      return value === null ? { question_id: question.id } : { question_id: question.id, number: value };
    }
    case 'short_text':
    case 'essay':
      return { question_id: question.id, text: draft.text };
  }
}

export function isAnswered(question: PaperQuestion, draft: Draft | undefined): boolean {
  if (draft === undefined) return false;
  if (question.kind === 'numeric') return parseNumber(draft.text) !== null;
  if (question.kind === 'short_text' || question.kind === 'essay') return draft.text.trim() !== '';
  return draft.optionIds.length > 0;
}

/** Whether the learner may start another attempt: attempts left, and the quiz's window open now. */
export type StartBlock = 'attempts_exhausted' | 'not_open_yet' | 'closed' | null;

export function startBlock(quiz: LearnerQuiz, nowMs: number): StartBlock {
  const attempts = quiz.attempts ?? [];
  if (attempts.some((attempt) => attempt.status === 'in_progress')) return null;
  if (quiz.opens_at !== null && Date.parse(quiz.opens_at) > nowMs) return 'not_open_yet';
  if (quiz.closes_at !== null && Date.parse(quiz.closes_at) <= nowMs) return 'closed';
  if (quiz.max_attempts !== null && attempts.length >= quiz.max_attempts) return 'attempts_exhausted';
  return null;
}

/** The attempt in progress, if any. */
export function attemptInProgress(quiz: LearnerQuiz): AttemptSummary | undefined {
  return quiz.attempts?.find((attempt) => attempt.status === 'in_progress');
}
