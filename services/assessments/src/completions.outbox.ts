import { completionsDeliveredTotal } from './assessments.metrics.js';
import type { AttemptsRepository } from './attempts.repository.js';
import type { ProgressClient } from './progress.client.js';

const deliveriesPerRun = 50;
const firstRetryMs = 1000;
/** Longer than a run's deliveries can take (each bounded by the internal timeout). */
const leaseMs = 120_000;

/**
 * Sends the lesson completions owed for passed quizzes to progress. Rows are claimed under a lease, so replicas
 * never send the same one at once and no transaction stays open across an HTTP call; progress's complete is
 * idempotent, so a resend after a crash is harmless. No answer or a 5xx is retried with doubling delays up to
 * `maxDelayMs`; a refusal (4xx) is recorded and not retried.
 */
export async function deliverOwedCompletions(
  repository: AttemptsRepository,
  progress: ProgressClient,
  maxDelayMs: number,
): Promise<number> {
  const due = await repository.claimDueCompletions(deliveriesPerRun, leaseMs);
  for (const completion of due) {
    const delivery = await progress.completeLesson(completion.userId, completion.lessonId);
    if (delivery.ok) {
      completionsDeliveredTotal.inc({ outcome: 'delivered' });
      await repository.completionDelivered(completion);
    } else {
      completionsDeliveredTotal.inc({ outcome: delivery.retry ? 'retry' : 'failed' });
      const delay = Math.min(maxDelayMs, firstRetryMs * 2 ** completion.tries);
      await repository.completionFailed(completion, delivery.error, delivery.retry ? delay : null);
    }
  }
  return due.length;
}
