/** A question as every learner sees it: no key, no `correct` flag, no accepted answer. */
export interface PaperQuestion {
  id: number;
  kind: QuestionKind;
  text: string;
  points: number;
  options?: { id: number; text: string }[];
}

export const questionKinds = ['single', 'multiple', 'true_false', 'short_text', 'numeric', 'essay'] as const;
export type QuestionKind = (typeof questionKinds)[number];

export interface QuizSettings {
  time_limit_seconds: number | null;
  max_attempts: number | null;
  pass_percent: number;
  grading: 'highest' | 'last' | 'average';
  shuffle_questions: boolean;
  shuffle_options: boolean;
  draw: number | null;
  show_answers: 'never' | 'after_submit' | 'after_close';
  opens_at: string | null;
  closes_at: string | null;
  grace_seconds: number;
}

/** The cached, key-free form of a quiz shared by every attempt: serialized once per edit. */
export interface Paper {
  lesson_id: number;
  course_id: number;
  version: number;
  settings: QuizSettings;
  questions: PaperQuestion[];
}

/** mulberry32: a small, fast PRNG; the same seed gives the same sequence on every replica and after restarts. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const result = [...items];
  for (let index = result.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [result[index], result[other]] = [result[other] as T, result[index] as T];
  }
  return result;
}

export interface Arrangement {
  /** Indexes into the paper's questions, in the order this attempt shows them. */
  questions: number[];
  /** For each shown question (same order), indexes into its options in the order shown. */
  options: number[][];
}

/**
 * Which questions an attempt gets and in what order, from its seed alone: a random draw of `draw` questions
 * (kept in paper order unless questions are shuffled), and each question's options shuffled with a stream of
 * its own, so adding a question does not reshuffle the others' options.
 */
export function arrange(
  questions: readonly { id: number; optionCount: number }[],
  settings: Pick<QuizSettings, 'draw' | 'shuffle_questions' | 'shuffle_options'>,
  seed: number,
): Arrangement {
  const random = randomFrom(seed);
  let order = questions.map((_question, index) => index);
  if (settings.draw !== null && settings.draw < order.length) {
    order = shuffled(order, random).slice(0, settings.draw);
    if (!settings.shuffle_questions) order.sort((a, b) => a - b);
  } else if (settings.shuffle_questions) {
    order = shuffled(order, random);
  }
  const options = order.map((index) => {
    const question = questions[index] as { id: number; optionCount: number };
    const natural = Array.from({ length: question.optionCount }, (_unused, option) => option);
    if (!settings.shuffle_options) return natural;
    return shuffled(natural, randomFrom(seed ^ Math.imul(question.id, 0x9e3779b1)));
  });
  return { questions: order, options };
}

/** Pre-serialized pieces of a paper's questions, made once per cache entry and shared by every attempt. */
export interface PreparedPaper {
  paper: Paper;
  shape: { id: number; optionCount: number }[];
  /** `{"id":…,"kind":…,"text":…,"points":…` without the closing brace. */
  heads: string[];
  /** Each option of each question as JSON. */
  optionJson: string[][];
}

export function preparePaper(paper: Paper): PreparedPaper {
  return {
    paper,
    shape: paper.questions.map((question) => ({
      id: question.id,
      optionCount: question.options?.length ?? 0,
    })),
    heads: paper.questions.map((question) =>
      JSON.stringify({
        id: question.id,
        kind: question.kind,
        text: question.text,
        points: question.points,
      }).slice(0, -1),
    ),
    optionJson: paper.questions.map((question) =>
      (question.options ?? []).map((option) => JSON.stringify({ id: option.id, text: option.text })),
    ),
  };
}

/** This attempt's questions as a JSON array, put together from the shared pieces. */
export function questionsJson(prepared: PreparedPaper, arrangement: Arrangement): string {
  const parts = arrangement.questions.map((index, shown) => {
    const head = prepared.heads[index] ?? '{';
    if (prepared.paper.questions[index]?.options === undefined) return `${head}}`;
    const options = (arrangement.options[shown] ?? []).map((option) => prepared.optionJson[index]?.[option]);
    return `${head},"options":[${options.join(',')}]}`;
  });
  return `[${parts.join(',')}]`;
}

/** The same questions as objects, for answers built by Fastify's serializer. */
export function arrangedQuestions(paper: Paper, arrangement: Arrangement): PaperQuestion[] {
  return arrangement.questions.map((index, shown) => {
    const question = paper.questions[index] as PaperQuestion;
    if (!question.options) return question;
    const options = question.options;
    return {
      ...question,
      options: (arrangement.options[shown] ?? []).map(
        (option) => options[option] as { id: number; text: string },
      ),
    };
  });
}
