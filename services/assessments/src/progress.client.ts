import { GroupCommit, internalBody, type AppError, type InternalTransport } from '@lectern/kit';
import { assessmentsErrors, passedOnProblem } from './assessments.errors.js';

export type Delivery = { ok: true } | { ok: false; retry: boolean; error: string };

/** Most access checks one call to progress carries (progress takes up to 500). */
const ACCESS_BATCH_MAX = 200;
/** Calls to progress in flight at once; the checks arriving meanwhile wait to go together. */
const ACCESS_CALLS = 1;

interface AccessCheck {
  userId: number;
  lessonId: number;
}

interface AccessAnswer {
  status: number;
  problem?: { code?: unknown; detail?: unknown };
}

/** The progress service's internal API: may this learner take this lesson now, and completing a passed quiz. */
export class ProgressClient {
  /**
   * Access checks go to progress in batches: at an exam's start thousands of learners arrive at once, and one
   * call per batch (progress reads their enrolments in one query) replaces one call, and one query, each.
   */
  private readonly checks: GroupCommit<AccessCheck, AppError | null>;

  constructor(private readonly transport: InternalTransport) {
    this.checks = new GroupCommit((batch) => this.checkBatch(batch), {
      maxBatch: ACCESS_BATCH_MAX,
      windowMs: 1,
      maxWrites: ACCESS_CALLS,
      closedError: assessmentsErrors.shuttingDown,
    });
  }

  /** Resolves when the learner may open the lesson; otherwise throws progress's own problem (403/404/409). */
  async requireAccess(userId: number, lessonId: number): Promise<void> {
    const refusal = await this.checks.submit({ userId, lessonId });
    if (refusal) throw refusal;
  }

  /** Answers the checks still queued, then takes no more. */
  close(): Promise<void> {
    return this.checks.close();
  }

  private async checkBatch(batch: readonly AccessCheck[]): Promise<(AppError | null)[]> {
    const path = '/internal/progress/access/batch';
    let response;
    try {
      response = await this.transport({
        method: 'POST',
        path,
        body: { checks: batch.map((check) => ({ user_id: check.userId, lesson_id: check.lessonId })) },
      });
    } catch (error) {
      throw assessmentsErrors.dependencyUnavailable('progress', error);
    }
    const body = internalBody(response.body) as { answers?: AccessAnswer[] } | undefined;
    const answers = body?.answers;
    if (response.status !== 200 || !Array.isArray(answers) || answers.length !== batch.length) {
      throw assessmentsErrors.dependencyUnavailable(
        'progress',
        new Error(`POST ${path} answered ${response.status}`),
      );
    }
    return answers.map((answer) => {
      if (answer.status === 200) return null;
      if ([403, 404, 409].includes(answer.status))
        return passedOnProblem(answer.status, answer.problem ?? {});
      return assessmentsErrors.dependencyUnavailable(
        'progress',
        new Error(`an access check answered ${answer.status}`),
      );
    });
  }

  /**
   * Completes the lesson for the learner (idempotent on progress's side). A refusal (4xx) will not change with a
   * retry; no answer or a 5xx may.
   */
  async completeLesson(userId: number, lessonId: number): Promise<Delivery> {
    try {
      const response = await this.transport({
        method: 'POST',
        path: `/internal/progress/lessons/${lessonId}/complete`,
        body: { user_id: userId },
      });
      if (response.status === 200) return { ok: true };
      const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
      return {
        ok: false,
        retry: response.status >= 500 || response.status === 429,
        error: `${response.status} ${body.slice(0, 300)}`,
      };
    } catch (error) {
      return { ok: false, retry: true, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
