import { GroupCommit, type GroupCommitOptions } from '@lectern/kit';
import { progressErrors } from './progress.errors.js';
import type { EnrollmentResult, ProgressRepository } from './progress.repository.js';

export interface SeatRequest {
  userId: number;
  courseId: number;
  /** The course's capacity as the request read it (null: unlimited). */
  capacity: number | null;
}

/** null: the course was full. */
export type SeatAnswer = EnrollmentResult | null;

/**
 * Group commit for enrolments: a rush of learners on one course takes the course's seat row once per batch
 * instead of once per learner, and a batch spread over many courses (first completions in open courses) is one
 * transaction, not one per course. Seat rows are locked in course id order, so batches on several replicas
 * cannot deadlock.
 */
export class EnrollmentBatcher extends GroupCommit<SeatRequest, SeatAnswer> {
  constructor(
    repository: Pick<ProgressRepository, 'enrollBatch'>,
    options: Omit<GroupCommitOptions, 'closedError'>,
  ) {
    super(
      async (batch) => {
        const byCourse = new Map<number, SeatRequest[]>();
        for (const request of batch) {
          const requests = byCourse.get(request.courseId) ?? [];
          requests.push(request);
          byCourse.set(request.courseId, requests);
        }
        const groups = [...byCourse].map(([courseId, requests]) => ({
          courseId,
          userIds: [...new Set(requests.map((request) => request.userId))],
          capacity: requests.at(-1)?.capacity ?? null,
        }));
        const enrolled = await repository.enrollBatch(groups);
        const answers = new Map<string, SeatAnswer>();
        for (const { courseId, userIds } of groups) {
          for (const userId of userIds) {
            answers.set(`${courseId}:${userId}`, enrolled.get(courseId)?.get(userId) ?? null);
          }
        }
        return batch.map((request) => answers.get(`${request.courseId}:${request.userId}`) ?? null);
      },
      { ...options, closedError: progressErrors.shuttingDown },
    );
  }
}
