import { parse, type GIFTQuestion, type NumericalFormat, type TextChoice } from 'gift-pegjs';
import { assessmentsErrors } from './assessments.errors.js';
import type { QuestionInput } from './routes/quizzes.schemas.js';

interface PegSyntaxError {
  message: string;
  location?: { start: { line: number; column: number } };
}

function isPegSyntaxError(error: unknown): error is PegSyntaxError {
  return error instanceof Error && 'location' in error;
}

/** Where a question's stem starts in the text, searching on from `from`: the line a problem is reported at. */
function lineOf(text: string, stem: string, from: number): { line: number; offset: number } {
  const probe = stem.trim().slice(0, 40);
  const found = probe === '' ? -1 : text.indexOf(probe, from);
  const offset = found === -1 ? from : found;
  return { line: text.slice(0, offset).split('\n').length, offset };
}

const isRight = (choice: { isCorrect: boolean; weight: number | null }) =>
  choice.isCorrect || (choice.weight ?? 0) > 0;

function choiceText(choice: TextChoice): string {
  return choice.text.text.trim();
}

/** The value and tolerance a GIFT numerical answer accepts (its first correct choice). */
function numericKey(
  choices: NumericalFormat | { isCorrect: boolean; weight: number | null; text: NumericalFormat }[],
) {
  const format = Array.isArray(choices) ? (choices.find(isRight) ?? choices[0])?.text : choices;
  if (!format) return null;
  if (format.type === 'high-low' && format.numberHigh !== undefined && format.numberLow !== undefined) {
    return {
      number: (format.numberHigh + format.numberLow) / 2,
      tolerance: (format.numberHigh - format.numberLow) / 2,
    };
  }
  if (format.number === undefined) return null;
  return { number: format.number, tolerance: format.type === 'range' ? (format.range ?? 0) : 0 };
}

function convert(question: GIFTQuestion): QuestionInput | string | null {
  if (question.type === 'Category') return null;
  const text = [question.title ? `**${question.title.trim()}**` : '', question.stem.text.trim()]
    .filter(Boolean)
    .join('\n\n');
  switch (question.type) {
    case 'MC': {
      const right = question.choices.filter(isRight).length;
      return {
        kind: right > 1 ? 'multiple' : 'single',
        text,
        points: 1,
        options: question.choices.map((choice) => ({ text: choiceText(choice), correct: isRight(choice) })),
      };
    }
    case 'TF':
      return { kind: 'true_false', text, points: 1, answers: [question.isTrue ? 'true' : 'false'] };
    case 'Short':
      return {
        kind: 'short_text',
        text,
        points: 1,
        answers: question.choices.filter(isRight).map(choiceText),
      };
    case 'Numerical': {
      const key = numericKey(question.choices);
      if (!key) return 'a numerical question needs a value';
      return { kind: 'numeric', text, points: 1, ...key };
    }
    case 'Essay':
      return { kind: 'essay', text, points: 1 };
    case 'Description':
    case 'Matching':
      return `${question.type.toLowerCase()} questions are not supported`;
  }
}

/** Questions from GIFT text, or a 422 naming the line (and column) that failed. */
export function questionsFromGift(text: string): QuestionInput[] {
  let parsed: GIFTQuestion[];
  try {
    parsed = parse(text);
  } catch (error) {
    if (isPegSyntaxError(error)) {
      const start = error.location?.start ?? { line: 1, column: 1 };
      throw assessmentsErrors.giftSyntax(start.line, start.column, error.message);
    }
    throw error;
  }
  const questions: QuestionInput[] = [];
  let from = 0;
  for (const question of parsed) {
    const where = 'stem' in question ? lineOf(text, question.stem.text, from) : { line: 0, offset: from };
    from = where.offset;
    const converted = convert(question);
    if (typeof converted === 'string') throw assessmentsErrors.giftSyntax(where.line, 1, converted);
    if (converted) questions.push(converted);
  }
  if (questions.length === 0) throw assessmentsErrors.giftSyntax(1, 1, 'no questions found');
  return questions;
}
