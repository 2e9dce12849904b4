import type { FieldError } from '@lectern/kit';
import type { StoredOption } from './db/schema.js';
import type { QuestionRow, QuestionWrite } from './quizzes.repository.js';
import type { QuestionInput, QuizInput } from './routes/quizzes.schemas.js';

const optionKinds = new Set(['single', 'multiple', 'true_false']);

/**
 * Checks a quiz as sent against what is stored and says how to store each question: ids sent must be this quiz's
 * current questions (and their options), new options get ids never used in that question before.
 */
export function questionWrites(
  input: QuizInput,
  current: readonly QuestionRow[],
): { writes: QuestionWrite[]; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const byId = new Map(current.map((row) => [row.id, row]));
  const seen = new Set<number>();
  if (input.opens_at && input.closes_at && Date.parse(input.opens_at) >= Date.parse(input.closes_at)) {
    problems.push({ field: 'body.closes_at', message: 'must be after opens_at' });
  }
  const writes = input.questions.map((question, index) => {
    const field = `body.questions.${index}`;
    const stored = question.id === undefined ? undefined : byId.get(question.id);
    if (question.id !== undefined) {
      if (!stored) problems.push({ field: `${field}.id`, message: `is not a question of this quiz` });
      if (seen.has(question.id)) problems.push({ field: `${field}.id`, message: 'appears twice' });
      seen.add(question.id);
    }
    return questionWrite(question, stored, field, problems);
  });
  return { writes, problems };
}

function questionWrite(
  question: QuestionInput,
  stored: QuestionRow | undefined,
  field: string,
  problems: FieldError[],
): QuestionWrite {
  const problem = (path: string, message: string) => problems.push({ field: `${field}${path}`, message });
  const write: QuestionWrite = {
    ...(stored ? { id: stored.id } : {}),
    kind: question.kind,
    text: question.text,
    points: question.points,
    options: [],
    answers: [],
    number: null,
    tolerance: 0,
  };
  if (optionKinds.has(question.kind)) {
    const options =
      question.kind === 'true_false' && question.options === undefined
        ? trueFalseOptions(question.answers, (message) => problem('.answers', message))
        : (question.options ?? []);
    write.options = storedOptions(options, stored?.options ?? [], (path, message) => problem(path, message));
    const live = write.options.filter((option) => !option.removed);
    const correct = live.filter((option) => option.correct).length;
    if (question.kind === 'true_false' && live.length !== 2)
      problem('.options', 'a true/false question has two options');
    if (live.length < 2) problem('.options', 'needs at least two options');
    if (question.kind !== 'multiple' && correct !== 1)
      problem('.options', 'needs exactly one correct option');
    if (question.kind === 'multiple' && correct < 1) problem('.options', 'needs at least one correct option');
  } else if (question.kind === 'short_text') {
    write.answers = question.answers ?? [];
    if (write.answers.every((answer) => answer.trim() === ''))
      problem('.answers', 'needs an accepted answer');
  } else if (question.kind === 'numeric') {
    if (question.number === undefined) problem('.number', 'is required for a numeric question');
    write.number = question.number ?? null;
    write.tolerance = question.tolerance ?? 0;
  }
  return write;
}

function trueFalseOptions(answers: string[] | undefined, problem: (message: string) => void) {
  const answer = answers?.[0]?.trim().toLowerCase();
  if (answer !== 'true' && answer !== 'false') problem('needs options, or answers ["true"] or ["false"]');
  return [
    { text: 'True', correct: answer === 'true' },
    { text: 'False', correct: answer === 'false' },
  ];
}

/** Options as stored: kept ids, new ids after the largest ever used, removed ones flagged and kept. */
function storedOptions(
  options: readonly { id?: number; text: string; correct: boolean }[],
  before: readonly StoredOption[],
  problem: (path: string, message: string) => void,
): StoredOption[] {
  const known = new Map(before.map((option) => [option.id, option]));
  let nextId = before.reduce((largest, option) => Math.max(largest, option.id), 0) + 1;
  const kept = new Set<number>();
  const result: StoredOption[] = options.map((option, index) => {
    if (option.id === undefined) return { id: nextId++, text: option.text, correct: option.correct };
    if (!known.has(option.id)) problem(`.options.${index}.id`, 'is not an option of this question');
    if (kept.has(option.id)) problem(`.options.${index}.id`, 'appears twice');
    kept.add(option.id);
    return { id: option.id, text: option.text, correct: option.correct };
  });
  for (const option of before) {
    if (!kept.has(option.id)) result.push({ ...option, correct: false, removed: true });
  }
  return result;
}
