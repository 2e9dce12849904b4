import type { StoredOption } from './db/schema.js';
import type { QuestionKind } from './paper.js';

/** A question with its key, as the grader and the owner see it. */
export interface KeyedQuestion {
  id: number;
  kind: QuestionKind;
  text: string;
  points: number;
  options: StoredOption[];
  answers: string[];
  number: number | null;
  tolerance: number;
}

/** What a learner saved for one question. */
export interface AnswerResponse {
  option_ids?: number[];
  text?: string;
  number?: number;
}

/** Accepted short answers match ignoring case, accents' composed forms and runs of spaces. */
export function normalizeShortText(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase('en').replace(/\s+/g, ' ').trim();
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((value) => right.has(value));
}

/**
 * Points for an answer of an objective kind (all or nothing: a multiple choice must pick exactly the correct
 * options), or null for an essay, which a person grades.
 */
export function autoPoints(question: KeyedQuestion, response: AnswerResponse | null): number | null {
  if (question.kind === 'essay') return null;
  if (!response) return 0;
  let right = false;
  switch (question.kind) {
    case 'single':
    case 'true_false':
    case 'multiple':
      right =
        response.option_ids !== undefined &&
        response.option_ids.length > 0 &&
        sameSet(
          response.option_ids,
          question.options.filter((option) => option.correct).map((option) => option.id),
        ) &&
        (question.kind === 'multiple' || response.option_ids.length === 1);
      break;
    case 'short_text': {
      const given = normalizeShortText(response.text ?? '');
      right = given !== '' && question.answers.some((accepted) => normalizeShortText(accepted) === given);
      break;
    }
    case 'numeric':
      right =
        typeof response.number === 'number' &&
        question.number !== null &&
        Math.abs(response.number - question.number) <= question.tolerance + 1e-9;
      break;
  }
  return right ? question.points : 0;
}

/** What counts as the key in feedback: the correct options, the accepted answers or the value and tolerance. */
export function keyOf(question: KeyedQuestion) {
  switch (question.kind) {
    case 'single':
    case 'multiple':
    case 'true_false':
      return { option_ids: question.options.filter((option) => option.correct).map((option) => option.id) };
    case 'short_text':
      return { accepted: question.answers };
    case 'numeric':
      return { value: question.number ?? 0, tolerance: question.tolerance };
    case 'essay':
      return {};
  }
}

export function percentOf(score: number, maxScore: number): number {
  return maxScore <= 0 ? 0 : Math.round((score * 10_000) / maxScore) / 100;
}

/** The learner's grade over their graded attempts (in attempt order) by the quiz's method; null before any. */
export function aggregatePercent(
  method: 'highest' | 'last' | 'average',
  graded: readonly { percent: number }[],
): number | null {
  if (graded.length === 0) return null;
  const percents = graded.map((attempt) => attempt.percent);
  switch (method) {
    case 'highest':
      return Math.max(...percents);
    case 'last':
      return percents.at(-1) ?? null;
    case 'average':
      return Math.round((percents.reduce((sum, percent) => sum + percent, 0) * 100) / percents.length) / 100;
  }
}
