import { randomInt } from 'node:crypto';
import type { AuthUser, Db, GroupCommit } from '@lectern/kit';
import { assessmentsErrors } from './assessments.errors.js';
import { attemptsClosedTotal, attemptsStartedTotal, autosavesTotal } from './assessments.metrics.js';
import type {
  AttemptRow,
  AttemptStatus,
  AttemptsRepository,
  Autosave,
  SavedAnswer,
  StartAttempt,
  StartedAttempt,
} from './attempts.repository.js';
import {
  aggregatePercent,
  autoPoints,
  keyOf,
  percentOf,
  type AnswerResponse,
  type KeyedQuestion,
} from './grading.js';
import { arrange, arrangedQuestions, questionsJson, type Arrangement, type Paper } from './paper.js';
import type { ProgressClient } from './progress.client.js';
import { settingsOf, type QuizzesRepository } from './quizzes.repository.js';
import { isStaff, summaryOf, type QuizzesService } from './quizzes.service.js';
import type { AttemptResult, AttemptView, QuestionResult, SavedResponse } from './routes/attempts.schemas.js';
import type { CoursesClient } from './courses.client.js';

export interface AnswerInput {
  question_id: number;
  option_ids?: number[];
  text?: string;
  number?: number;
}

/** A started or resumed attempt, already serialized: the paper's shared pieces put in this attempt's order. */
export interface StartAnswer {
  status: 200 | 201;
  body: string;
}

function responseOf(input: AnswerInput): AnswerResponse {
  return {
    ...(input.option_ids === undefined ? {} : { option_ids: input.option_ids }),
    ...(input.text === undefined ? {} : { text: input.text }),
    ...(input.number === undefined ? {} : { number: input.number }),
  };
}

function savedResponses(saved: readonly SavedAnswer[]): SavedResponse[] {
  return saved
    .filter((answer) => answer.response !== null)
    .map((answer) => ({ question_id: answer.questionId, ...answer.response }));
}

function arrangementOf(
  attempt: AttemptRow,
  questions: readonly { id: number; optionCount: number }[],
): Arrangement {
  return arrange(
    questions,
    {
      draw: attempt.draw,
      shuffle_questions: attempt.shuffleQuestions,
      shuffle_options: attempt.shuffleOptions,
    },
    attempt.seed,
  );
}

const isOverdue = (attempt: AttemptRow, now = Date.now()) =>
  attempt.status === 'in_progress' && attempt.closeAt !== null && attempt.closeAt.getTime() <= now;

/** Called after a transaction that owed progress a completion has committed: the relay sends it now. */
export type CompletionOwed = () => void;

export class AttemptsService {
  constructor(
    private readonly repository: AttemptsRepository,
    private readonly quizRepository: QuizzesRepository,
    private readonly quizzes: QuizzesService,
    private readonly courses: CoursesClient,
    private readonly progress: ProgressClient,
    private readonly starts: GroupCommit<StartAttempt, StartedAttempt | null>,
    private readonly autosaves: GroupCommit<Autosave, Date | null>,
    private readonly completionOwed: CompletionOwed,
  ) {}

  /**
   * The exam-start path: the cached paper, the cached course outline, progress's access check, then one insert,
   * group-committed with the starts that arrive together. The answer is assembled from the paper's pre-serialized
   * pieces in the order the attempt's seed gives.
   */
  async start(user: AuthUser, lessonId: number): Promise<StartAnswer> {
    const { paper, staff } = await this.quizzes.access(user, lessonId);
    if (!staff) await this.progress.requireAccess(user.id, lessonId);
    const settings = paper.settings;
    const now = Date.now();
    if (settings.opens_at && Date.parse(settings.opens_at) > now) {
      throw assessmentsErrors.quizClosed(`This quiz opens at ${settings.opens_at}.`);
    }
    if (settings.closes_at && Date.parse(settings.closes_at) <= now) {
      throw assessmentsErrors.quizClosed(`This quiz closed at ${settings.closes_at}.`);
    }
    for (let tries = 0; tries < 3; tries += 1) {
      const seed = randomInt(2 ** 31);
      const started = await this.starts.submit({
        lessonId,
        courseId: paper.course_id,
        userId: user.id,
        seed,
        paperVersion: paper.version,
        draw: settings.draw,
        shuffleQuestions: settings.shuffle_questions,
        shuffleOptions: settings.shuffle_options,
        timeLimitSeconds: settings.time_limit_seconds,
        closesAt: settings.closes_at === null ? null : new Date(settings.closes_at),
        graceSeconds: settings.grace_seconds,
        maxAttempts: settings.max_attempts,
      });
      if (started) {
        attemptsStartedTotal.inc();
        const prepared = this.quizzes.preparedPaper(paper);
        const head = JSON.stringify({
          id: started.id,
          lesson_id: lessonId,
          number: started.number,
          status: 'in_progress',
          started_at: started.startedAt.toISOString(),
          deadline: started.deadline?.toISOString() ?? null,
        });
        const arrangement = arrange(prepared.shape, settings, seed);
        return {
          status: 201,
          body: `${head.slice(0, -1)},"questions":${questionsJson(prepared, arrangement)},"responses":[]}`,
        };
      }
      const current = await this.repository.inProgress(lessonId, user.id);
      if (current && isOverdue(current)) {
        await this.close(current.id, true);
        continue;
      }
      if (current) return { status: 200, body: JSON.stringify(await this.learnerStart(current)) };
      const used = (await this.repository.ofLearner(lessonId, user.id)).length;
      if (settings.max_attempts !== null && used >= settings.max_attempts) {
        throw assessmentsErrors.attemptsExhausted(settings.max_attempts);
      }
    }
    throw assessmentsErrors.dependencyUnavailable('progress', new Error('attempt start kept conflicting'));
  }

  /** Saves answers through the group commit; nothing else runs on this path while the attempt is open. */
  async saveAnswers(
    user: AuthUser,
    attemptId: number,
    answers: readonly AnswerInput[],
  ): Promise<{ saved_at: string }> {
    const savedAt = await this.autosaves.submit({
      attemptId,
      userId: user.id,
      answers: answers.map((answer) => ({ questionId: answer.question_id, response: responseOf(answer) })),
    });
    if (savedAt) {
      autosavesTotal.inc({ outcome: 'saved' });
      return { saved_at: savedAt.toISOString() };
    }
    const attempt = await this.repository.byId(attemptId);
    if (!attempt || attempt.userId !== user.id) throw assessmentsErrors.attemptNotFound(attemptId);
    if (attempt.status === 'in_progress' && !isOverdue(attempt)) {
      // Nothing taken although the attempt is open: every answer named a question outside the attempt's paper.
      if (answers.length > 0) throw assessmentsErrors.questionNotInAttempt(answers[0]?.question_id ?? 0);
      return { saved_at: new Date().toISOString() };
    }
    if (isOverdue(attempt)) await this.close(attemptId, true);
    autosavesTotal.inc({ outcome: 'closed' });
    throw assessmentsErrors.attemptClosed(attemptId);
  }

  /** Grades what was saved; submitting a closed attempt again answers its result. */
  async submit(user: AuthUser, attemptId: number): Promise<AttemptResult> {
    const attempt = await this.repository.byId(attemptId);
    if (!attempt || attempt.userId !== user.id) throw assessmentsErrors.attemptNotFound(attemptId);
    if (attempt.status === 'in_progress') await this.close(attemptId, isOverdue(attempt));
    return this.result(attemptId, false);
  }

  async view(user: AuthUser, attemptId: number): Promise<AttemptView> {
    let attempt = await this.repository.byId(attemptId);
    if (!attempt) throw assessmentsErrors.attemptNotFound(attemptId);
    const staff = await this.isStaffOf(user, attempt.courseId);
    if (attempt.userId !== user.id && !staff) throw assessmentsErrors.attemptNotFound(attemptId);
    if (isOverdue(attempt)) {
      await this.close(attemptId, true);
      attempt = (await this.repository.byId(attemptId)) ?? attempt;
    }
    return this.attemptView(attempt, staff);
  }

  /** A quiz's attempts for its owner, e.g. the grading queue (status needs_grading, oldest submission first). */
  async attempts(
    user: AuthUser,
    lessonId: number,
    status: AttemptStatus | undefined,
    page: { limit: number; offset: number },
  ) {
    const { staff } = await this.quizzes.access(user, lessonId);
    if (!staff) throw assessmentsErrors.notOwner();
    const { items, total } = await this.repository.queue(lessonId, status, page);
    return { items: items.map((attempt) => ({ ...summaryOf(attempt), user_id: attempt.userId })), total };
  }

  async gradeByHand(
    user: AuthUser,
    attemptId: number,
    grade: { question_id: number; points: number; comment?: string },
  ): Promise<AttemptView> {
    const attempt = await this.repository.byId(attemptId);
    if (!attempt) throw assessmentsErrors.attemptNotFound(attemptId);
    if (!(await this.isStaffOf(user, attempt.courseId))) {
      if (attempt.userId === user.id) throw assessmentsErrors.notOwner();
      throw assessmentsErrors.attemptNotFound(attemptId);
    }
    const owed = await this.repository.transaction(async (tx) => {
      const locked = await this.repository.byId(attemptId, tx, true);
      if (!locked || locked.status === 'in_progress') {
        throw assessmentsErrors.attemptClosed(attemptId);
      }
      const questions = await this.drawnQuestions(locked, tx);
      const question = questions.find((each) => each.id === grade.question_id);
      if (!question) throw assessmentsErrors.questionNotInAttempt(grade.question_id);
      if (question.kind !== 'essay') throw assessmentsErrors.notHandGraded(grade.question_id);
      if (grade.points > question.points) {
        throw assessmentsErrors.invalidQuiz([
          { field: 'body.points', message: `must be at most ${question.points}, the question's points` },
        ]);
      }
      await this.repository.gradeByHand(
        tx,
        attemptId,
        grade.question_id,
        grade.points,
        grade.comment ?? null,
      );
      return this.score(tx, locked, questions);
    });
    if (owed) this.completionOwed();
    return this.view(user, attemptId);
  }

  /**
   * Closes an open attempt with what was saved: the learner's submit, or the server once the deadline and grace
   * have passed (the sweeper, or any read that finds it overdue). Safe to race: the row lock decides, and a
   * second closer finds it closed and does nothing.
   */
  async close(attemptId: number, byServer: boolean): Promise<void> {
    const owed = await this.repository.transaction(async (tx) => {
      const attempt = await this.repository.byId(attemptId, tx, true);
      if (!attempt || attempt.status !== 'in_progress') return false;
      const questions = await this.drawnQuestions(attempt, tx);
      const saved = new Map(
        (await this.repository.answersOf(attemptId, tx)).map((answer) => [
          answer.questionId,
          answer.response,
        ]),
      );
      await this.repository.writePoints(
        tx,
        attemptId,
        questions.map((question) => ({
          questionId: question.id,
          points: autoPoints(question, saved.get(question.id) ?? null),
        })),
      );
      attemptsClosedTotal.inc({ by: byServer ? 'server' : 'learner' });
      return this.score(tx, attempt, questions, byServer);
    });
    if (owed) this.completionOwed();
  }

  /**
   * Totals an attempt from its answers' points; when nothing waits for a person it is graded, and when the
   * learner's grade now passes, the lesson's completion is owed to progress in this same transaction.
   */
  private async score(tx: Db, attempt: AttemptRow, questions: readonly KeyedQuestion[], byServer?: boolean) {
    const points = new Map(
      (await this.repository.answersOf(attempt.id, tx)).map((a) => [a.questionId, a.points]),
    );
    const pending = questions.some((question) => points.get(question.id) == null);
    const score = questions.reduce((sum, question) => sum + (points.get(question.id) ?? 0), 0);
    const maxScore = questions.reduce((sum, question) => sum + question.points, 0);
    const percent = percentOf(score, maxScore);
    const quiz = await this.quizRepository.quiz(attempt.lessonId, tx);
    const settings = quiz ? settingsOf(quiz) : null;
    const passed = !pending && settings !== null && percent >= settings.pass_percent;
    await this.repository.close(tx, attempt.id, {
      status: pending ? 'needs_grading' : 'graded',
      score,
      maxScore,
      percent,
      passed,
      ...(byServer === undefined ? {} : { closedByServer: byServer }),
    });
    if (pending || !settings) return false;
    const graded = (await this.repository.ofLearner(attempt.lessonId, attempt.userId, tx)).filter(
      (each) => each.status === 'graded',
    );
    const grade = aggregatePercent(
      settings.grading,
      graded.map((each) => ({ percent: each.percent ?? 0 })),
    );
    if (grade === null || grade < settings.pass_percent) return false;
    await this.repository.oweCompletion(tx, attempt.lessonId, attempt.userId);
    return true;
  }

  /** The attempt's questions with keys, in its order, from its paper version and seed. */
  private async drawnQuestions(attempt: AttemptRow, tx?: Db): Promise<KeyedQuestion[]> {
    const all = await this.quizRepository.questionsOfVersion(attempt.lessonId, attempt.paperVersion, tx);
    const arrangement = arrangementOf(
      attempt,
      all.map((question) => ({ id: question.id, optionCount: question.options.length })),
    );
    return arrangement.questions.map((index) => all[index] as KeyedQuestion);
  }

  private async learnerStart(attempt: AttemptRow) {
    const paper = await this.quizzes.paperOfVersion(attempt.lessonId, attempt.paperVersion);
    return {
      id: attempt.id,
      lesson_id: attempt.lessonId,
      number: attempt.number,
      status: 'in_progress' as const,
      started_at: attempt.startedAt.toISOString(),
      deadline: attempt.deadline?.toISOString() ?? null,
      questions: this.questionsOf(paper, attempt),
      responses: savedResponses(await this.repository.answersOf(attempt.id)),
    };
  }

  private questionsOf(paper: Paper, attempt: AttemptRow) {
    const shape = paper.questions.map((question) => ({
      id: question.id,
      optionCount: question.options?.length ?? 0,
    }));
    return arrangedQuestions(paper, arrangementOf(attempt, shape));
  }

  private async attemptView(attempt: AttemptRow, staff: boolean): Promise<AttemptView> {
    const paper = await this.quizzes.paperOfVersion(attempt.lessonId, attempt.paperVersion);
    const saved = await this.repository.answersOf(attempt.id);
    const results = (await this.answersShown(attempt, staff))
      ? await this.results(attempt, saved)
      : undefined;
    return {
      id: attempt.id,
      lesson_id: attempt.lessonId,
      user_id: attempt.userId,
      number: attempt.number,
      status: attempt.status,
      started_at: attempt.startedAt.toISOString(),
      deadline: attempt.deadline?.toISOString() ?? null,
      submitted_at: attempt.submittedAt?.toISOString() ?? null,
      closed_by_server: attempt.closedByServer,
      score: attempt.score,
      max_score: attempt.maxScore,
      percent: attempt.percent,
      passed: attempt.passed,
      questions: this.questionsOf(paper, attempt),
      responses: savedResponses(saved),
      ...(results ? { results } : {}),
    };
  }

  private async result(attemptId: number, staff: boolean): Promise<AttemptResult> {
    const attempt = await this.repository.byId(attemptId);
    if (!attempt) throw assessmentsErrors.attemptNotFound(attemptId);
    const shown = await this.answersShown(attempt, staff);
    return {
      id: attempt.id,
      status: attempt.status,
      score: attempt.score,
      max_score: attempt.maxScore,
      percent: attempt.percent,
      passed: attempt.passed ?? false,
      ...(shown
        ? { questions: await this.results(attempt, await this.repository.answersOf(attempt.id)) }
        : {}),
    };
  }

  /**
   * The show_answers policy: owners always; learners never while the attempt is open, and then after submit, or
   * after the quiz closes (closes_at passed, or every attempt they may make used), or never.
   */
  private async answersShown(attempt: AttemptRow, staff: boolean): Promise<boolean> {
    if (staff) return true;
    if (attempt.status === 'in_progress') return false;
    const quiz = await this.quizRepository.quiz(attempt.lessonId);
    if (!quiz) return false;
    if (quiz.showAnswers === 'after_submit') return true;
    if (quiz.showAnswers !== 'after_close') return false;
    if (quiz.closesAt && quiz.closesAt.getTime() <= Date.now()) return true;
    if (quiz.maxAttempts === null) return false;
    const attempts = await this.repository.ofLearner(attempt.lessonId, attempt.userId);
    return attempts.length >= quiz.maxAttempts && attempts.every((each) => each.status !== 'in_progress');
  }

  private async results(attempt: AttemptRow, saved: readonly SavedAnswer[]): Promise<QuestionResult[]> {
    const questions = await this.drawnQuestions(attempt);
    const byQuestion = new Map(saved.map((answer) => [answer.questionId, answer]));
    return questions.map((question) => {
      const answer = byQuestion.get(question.id);
      const points = answer?.points ?? null;
      return {
        id: question.id,
        points,
        max_points: question.points,
        correct: points === null ? null : points >= question.points,
        comment: answer?.comment ?? null,
        key: keyOf(question),
      };
    });
  }

  private async isStaffOf(user: AuthUser, courseId: number): Promise<boolean> {
    if (user.role === 'admin') return true;
    const outline = await this.courses.outline(courseId);
    return outline !== null && isStaff(user, outline);
  }
}
