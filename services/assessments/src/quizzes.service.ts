import { cachedJson, type AuthUser, type Cache } from '@lectern/kit';
import { assessmentsErrors } from './assessments.errors.js';
import type { AttemptsRepository, AttemptRow } from './attempts.repository.js';
import type { CourseOutline, CoursesClient } from './courses.client.js';
import { questionsFromGift } from './gift.import.js';
import { aggregatePercent, type KeyedQuestion } from './grading.js';
import { preparePaper, type Paper, type PreparedPaper, type QuizSettings } from './paper.js';
import { questionWrites } from './quiz-input.js';
import { settingsOf, type QuizRow, type QuizzesRepository } from './quizzes.repository.js';
import type { AttemptSummary, QuestionInput, QuizInput, QuizView } from './routes/quizzes.schemas.js';

/** Each quiz's paper is its own cache namespace, so an edit drops exactly that paper everywhere. */
export const paperNamespace = (lessonId: number) => `quiz-paper:${lessonId}`;

export interface QuizAccess {
  paper: Paper;
  outline: CourseOutline;
  /** The course's owner or an admin: sees keys, every attempt, the statistics. */
  staff: boolean;
}

export function isStaff(user: AuthUser, outline: CourseOutline): boolean {
  return user.role === 'admin' || outline.owner_id === user.id;
}

export function summaryOf(attempt: AttemptRow): AttemptSummary {
  return {
    id: attempt.id,
    number: attempt.number,
    status: attempt.status,
    started_at: attempt.startedAt.toISOString(),
    deadline: attempt.deadline?.toISOString() ?? null,
    submitted_at: attempt.submittedAt?.toISOString() ?? null,
    score: attempt.score,
    max_score: attempt.maxScore,
    percent: attempt.percent,
    passed: attempt.passed,
  };
}

function keyedView(question: KeyedQuestion): NonNullable<QuizView['questions']>[number] {
  const base = { id: question.id, kind: question.kind, text: question.text, points: question.points };
  switch (question.kind) {
    case 'single':
    case 'multiple':
    case 'true_false':
      return { ...base, options: question.options.map(({ id, text, correct }) => ({ id, text, correct })) };
    case 'short_text':
      return { ...base, answers: question.answers };
    case 'numeric':
      return { ...base, number: question.number ?? 0, tolerance: question.tolerance };
    case 'essay':
      return base;
  }
}

function paperOf(quiz: QuizRow, questions: readonly KeyedQuestion[]): Paper {
  return {
    lesson_id: quiz.lessonId,
    course_id: quiz.courseId,
    version: quiz.version,
    settings: settingsOf(quiz),
    questions: questions.map((question) => ({
      id: question.id,
      kind: question.kind,
      text: question.text,
      points: question.points,
      ...(question.kind === 'single' || question.kind === 'multiple' || question.kind === 'true_false'
        ? { options: question.options.map(({ id, text }) => ({ id, text })) }
        : {}),
    })),
  };
}

const inputSettings = (input: QuizInput): QuizSettings => ({
  time_limit_seconds: input.time_limit_seconds ?? null,
  max_attempts: input.max_attempts ?? null,
  pass_percent: input.pass_percent,
  grading: input.grading,
  shuffle_questions: input.shuffle_questions,
  shuffle_options: input.shuffle_options,
  draw: input.draw ?? null,
  show_answers: input.show_answers,
  opens_at: input.opens_at ?? null,
  closes_at: input.closes_at ?? null,
  grace_seconds: input.grace_seconds,
});

export class QuizzesService {
  private readonly prepared = new WeakMap<Paper, PreparedPaper>();

  constructor(
    private readonly repository: QuizzesRepository,
    private readonly attempts: AttemptsRepository,
    private readonly courses: CoursesClient,
    private readonly cache: Cache,
  ) {}

  /** The current paper, key-free, from the cache: one database read per edit, shared by every attempt. */
  paper(lessonId: number): Promise<Paper | null> {
    return cachedJson(this.cache, paperNamespace(lessonId), 'paper', async () => {
      const quiz = await this.repository.quiz(lessonId);
      if (!quiz) return null;
      return paperOf(quiz, await this.repository.questionsOfVersion(lessonId, quiz.version));
    });
  }

  /** A paper's pre-serialized pieces, made once per cached paper. */
  preparedPaper(paper: Paper): PreparedPaper {
    let prepared = this.prepared.get(paper);
    if (!prepared) {
      prepared = preparePaper(paper);
      this.prepared.set(paper, prepared);
    }
    return prepared;
  }

  /** The paper of an earlier version, for attempts started before an edit (rare: read from the database). */
  async paperOfVersion(lessonId: number, version: number): Promise<Paper> {
    const current = await this.paper(lessonId);
    if (current?.version === version) return current;
    const quiz = await this.repository.quiz(lessonId);
    if (!quiz) throw assessmentsErrors.quizNotFound(lessonId);
    return paperOf({ ...quiz, version }, await this.repository.questionsOfVersion(lessonId, version));
  }

  /** The quiz and its course as `user` may see them: 404 for a quiz that is not there or in a hidden draft. */
  async access(user: AuthUser, lessonId: number): Promise<QuizAccess> {
    const paper = await this.paper(lessonId);
    if (!paper) throw assessmentsErrors.quizNotFound(lessonId);
    const outline = await this.courses.outline(paper.course_id);
    if (!outline) throw assessmentsErrors.quizNotFound(lessonId);
    const staff = isStaff(user, outline);
    if (!outline.published && !staff) throw assessmentsErrors.quizNotFound(lessonId);
    return { paper, outline, staff };
  }

  async view(user: AuthUser, lessonId: number): Promise<QuizView> {
    const { paper, staff } = await this.access(user, lessonId);
    const settings = paper.settings;
    const base = {
      lesson_id: paper.lesson_id,
      course_id: paper.course_id,
      version: paper.version,
      ...settings,
      question_count: Math.min(paper.questions.length, settings.draw ?? paper.questions.length),
    };
    if (staff) {
      const questions = await this.repository.questionsOfVersion(lessonId, paper.version);
      return { ...base, questions: questions.map(keyedView) };
    }
    const attempts = await this.attempts.ofLearner(lessonId, user.id);
    const graded = attempts.filter((attempt) => attempt.status === 'graded');
    const grade = aggregatePercent(
      settings.grading,
      graded.map((attempt) => ({ percent: attempt.percent ?? 0 })),
    );
    return {
      ...base,
      attempts: attempts.map(summaryOf),
      grade_percent: grade,
      passed: grade !== null && grade >= settings.pass_percent,
    };
  }

  async save(user: AuthUser, lessonId: number, input: QuizInput): Promise<QuizView> {
    const courseId = await this.requireOwner(user, lessonId);
    await this.repository.transaction(async (tx) => {
      const quiz = await this.repository.quiz(lessonId, tx, true);
      const version = (quiz?.version ?? 0) + 1;
      const current = await this.repository.currentQuestionRows(tx, lessonId);
      const { writes, problems } = questionWrites(input, current);
      if (problems.length > 0) throw assessmentsErrors.invalidQuiz(problems);
      await this.repository.writeQuiz(tx, lessonId, courseId, version, inputSettings(input));
      const kept = new Set<number>();
      for (const [position, write] of writes.entries()) {
        if (write.id === undefined) {
          await this.repository.insertQuestion(tx, lessonId, position, version, write);
        } else {
          kept.add(write.id);
          await this.repository.updateQuestion(tx, write.id, position, write);
        }
      }
      for (const row of current) {
        if (!kept.has(row.id)) await this.repository.removeQuestion(tx, row.id, version);
      }
    });
    await this.cache.invalidate(paperNamespace(lessonId));
    return this.view(user, lessonId);
  }

  /** Appends GIFT questions to the quiz (created with default settings when there is none). */
  async importGift(user: AuthUser, lessonId: number, text: string): Promise<QuizView> {
    const imported = questionsFromGift(text);
    await this.requireOwner(user, lessonId);
    const quiz = await this.repository.quiz(lessonId);
    const settings: QuizSettings = quiz
      ? settingsOf(quiz)
      : {
          time_limit_seconds: null,
          max_attempts: null,
          pass_percent: 60,
          grading: 'highest',
          shuffle_questions: false,
          shuffle_options: false,
          draw: null,
          show_answers: 'after_submit',
          opens_at: null,
          closes_at: null,
          grace_seconds: 60,
        };
    const existing: QuestionInput[] = quiz
      ? (await this.repository.questionsOfVersion(lessonId, quiz.version)).map((question) => {
          const view = keyedView(question);
          return { ...view, kind: question.kind, ...(view.options ? { options: view.options } : {}) };
        })
      : [];
    return this.save(user, lessonId, { ...settings, questions: [...existing, ...imported] });
  }

  async stats(user: AuthUser, lessonId: number) {
    const { paper, staff } = await this.access(user, lessonId);
    if (!staff) throw assessmentsErrors.notOwner();
    const byQuestion = new Map((await this.repository.stats(lessonId)).map((row) => [row.questionId, row]));
    return paper.questions.map((question) => {
      const row = byQuestion.get(question.id);
      return {
        question_id: question.id,
        kind: question.kind,
        text: question.text,
        attempts: row?.attempts ?? 0,
        mean_score: row?.meanScore ?? null,
        share_correct: row?.shareCorrect ?? null,
        discrimination: row?.discrimination ?? null,
      };
    });
  }

  /** The lesson's course id, once `user` is its owner (or an admin) and the lesson may hold a quiz. */
  private async requireOwner(user: AuthUser, lessonId: number): Promise<number> {
    const lesson = await this.courses.lesson(lessonId);
    if (!lesson) throw assessmentsErrors.lessonNotFound(lessonId);
    const outline = await this.courses.outline(lesson.course_id);
    if (!outline) throw assessmentsErrors.lessonNotFound(lessonId);
    if (!isStaff(user, outline)) {
      if (!outline.published) throw assessmentsErrors.lessonNotFound(lessonId);
      throw assessmentsErrors.notOwner();
    }
    const kind = outline.lessons?.find((each) => each.id === lessonId)?.kind;
    if (kind !== undefined && kind !== 'quiz') throw assessmentsErrors.notAQuizLesson(lessonId);
    return lesson.course_id;
  }
}
