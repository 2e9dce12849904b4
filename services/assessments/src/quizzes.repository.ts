import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database, Db } from '@lectern/kit';
import { questions, quizzes, type StoredOption } from './db/schema.js';
import type { KeyedQuestion } from './grading.js';
import type { QuestionKind, QuizSettings } from './paper.js';

export type QuizRow = typeof quizzes.$inferSelect;
export type QuestionRow = typeof questions.$inferSelect;

/** Fields a question is saved with; id absent for a new question. */
export interface QuestionWrite {
  id?: number;
  kind: QuestionKind;
  text: string;
  points: number;
  options: StoredOption[];
  answers: string[];
  number: number | null;
  tolerance: number;
}

export interface QuestionStats {
  questionId: number;
  attempts: number;
  meanScore: number;
  shareCorrect: number;
  discrimination: number | null;
}

export function settingsOf(quiz: QuizRow): QuizSettings {
  return {
    time_limit_seconds: quiz.timeLimitSeconds,
    max_attempts: quiz.maxAttempts,
    pass_percent: quiz.passPercent,
    grading: quiz.grading as QuizSettings['grading'],
    shuffle_questions: quiz.shuffleQuestions,
    shuffle_options: quiz.shuffleOptions,
    draw: quiz.draw,
    show_answers: quiz.showAnswers as QuizSettings['show_answers'],
    opens_at: quiz.opensAt?.toISOString() ?? null,
    closes_at: quiz.closesAt?.toISOString() ?? null,
    grace_seconds: quiz.graceSeconds,
  };
}

function settingsColumns(settings: QuizSettings) {
  return {
    timeLimitSeconds: settings.time_limit_seconds,
    maxAttempts: settings.max_attempts,
    passPercent: settings.pass_percent,
    grading: settings.grading,
    shuffleQuestions: settings.shuffle_questions,
    shuffleOptions: settings.shuffle_options,
    draw: settings.draw,
    showAnswers: settings.show_answers,
    opensAt: settings.opens_at === null ? null : new Date(settings.opens_at),
    closesAt: settings.closes_at === null ? null : new Date(settings.closes_at),
    graceSeconds: settings.grace_seconds,
  };
}

export function keyedQuestion(row: QuestionRow): KeyedQuestion {
  return {
    id: row.id,
    kind: row.kind as QuestionKind,
    text: row.text,
    points: row.points,
    options: row.options.filter((option) => !option.removed),
    answers: row.answers,
    number: row.number,
    tolerance: row.tolerance,
  };
}

/** The questions of one version of a quiz's paper, in paper order. */
const ofVersion = (lessonId: number, version: number) =>
  and(
    eq(questions.lessonId, lessonId),
    sql`${questions.addedIn} <= ${version}`,
    sql`(${questions.removedIn} is null or ${questions.removedIn} > ${version})`,
  );

export class QuizzesRepository {
  constructor(private readonly database: Database) {}

  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return this.database.db.transaction((tx) => work(tx));
  }

  async quiz(lessonId: number, executor: Db = this.database.db, lock = false): Promise<QuizRow | null> {
    const query = executor.select().from(quizzes).where(eq(quizzes.lessonId, lessonId));
    const [row] = lock ? await query.for('update') : await query;
    return row ?? null;
  }

  async questionsOfVersion(lessonId: number, version: number, executor: Db = this.database.db) {
    const rows = await executor
      .select()
      .from(questions)
      .where(ofVersion(lessonId, version))
      .orderBy(asc(questions.position), asc(questions.id));
    return rows.map(keyedQuestion);
  }

  /** The current questions with every option ever given (removed ones flagged), for editing. */
  currentQuestionRows(tx: Db, lessonId: number): Promise<QuestionRow[]> {
    return tx
      .select()
      .from(questions)
      .where(and(eq(questions.lessonId, lessonId), isNull(questions.removedIn)))
      .orderBy(asc(questions.position), asc(questions.id));
  }

  /** Creates the quiz or replaces its settings, as version `version`. */
  async writeQuiz(tx: Db, lessonId: number, courseId: number, version: number, settings: QuizSettings) {
    const values = { ...settingsColumns(settings), courseId, version, updatedAt: new Date() };
    await tx
      .insert(quizzes)
      .values({ lessonId, ...values })
      .onConflictDoUpdate({ target: quizzes.lessonId, set: values });
  }

  async insertQuestion(tx: Db, lessonId: number, position: number, version: number, question: QuestionWrite) {
    await tx.insert(questions).values({ ...columnsOf(question), lessonId, position, addedIn: version });
  }

  async updateQuestion(tx: Db, id: number, position: number, question: QuestionWrite) {
    await tx
      .update(questions)
      .set({ ...columnsOf(question), position })
      .where(eq(questions.id, id));
  }

  async removeQuestion(tx: Db, id: number, version: number) {
    await tx.update(questions).set({ removedIn: version }).where(eq(questions.id, id));
  }

  /**
   * Per question over graded attempts: answers, mean points, share with full points, and discrimination: the
   * mean score share in the top third of attempts (by percent) minus that in the bottom third.
   */
  async stats(lessonId: number): Promise<QuestionStats[]> {
    const { rows } = await this.database.query<{
      question_id: string;
      attempts: string;
      mean_score: number;
      share_correct: number;
      discrimination: number | null;
    }>(
      `with graded as (
         select id, ntile(3) over (order by percent, id) as third
         from assessments.attempts
         where lesson_id = $1 and status = 'graded'
       ), scored as (
         select answers.question_id, answers.points, questions.points as max_points, graded.third
         from graded
         join assessments.answers on answers.attempt_id = graded.id
         join assessments.questions on questions.id = answers.question_id
         where answers.points is not null
       )
       select question_id, count(*) as attempts,
         avg(points)::float8 as mean_score,
         avg(case when points >= max_points then 1.0 else 0.0 end)::float8 as share_correct,
         (avg(points / nullif(max_points, 0)) filter (where third = 3)
           - avg(points / nullif(max_points, 0)) filter (where third = 1))::float8 as discrimination
       from scored
       group by question_id`,
      [lessonId],
    );
    return rows.map((row) => ({
      questionId: Number(row.question_id),
      attempts: Number(row.attempts),
      meanScore: row.mean_score,
      shareCorrect: row.share_correct,
      discrimination: row.discrimination,
    }));
  }
}

function columnsOf(question: QuestionWrite) {
  return {
    kind: question.kind,
    text: question.text,
    points: question.points,
    options: question.options,
    answers: question.answers,
    number: question.number,
    tolerance: question.tolerance,
  };
}
