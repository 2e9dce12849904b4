import type { AttemptsRepository } from './attempts.repository.js';
import type { AttemptsService } from './attempts.service.js';

/**
 * The server owns the deadline: each sweep closes up to `batch` attempts past deadline + grace with what was
 * saved, whether or not the learner comes back. Replicas may sweep at once: closing locks the attempt row and a
 * second closer finds it closed. (A periodic loop in the service process until the kit has a job queue.)
 */
export async function sweepOverdueAttempts(
  repository: AttemptsRepository,
  service: AttemptsService,
  batch: number,
): Promise<number> {
  const overdue = await repository.overdue(batch);
  for (const attemptId of overdue) await service.close(attemptId, true);
  return overdue.length;
}
