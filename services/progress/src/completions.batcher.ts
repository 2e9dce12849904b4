import { GroupCommit, type GroupCommitOptions } from '@lectern/kit';
import { progressErrors } from './progress.errors.js';
import type { Completion } from './progress.repository.js';

/** PROGRESS_BATCH_MAX, PROGRESS_BATCH_WINDOW_MS and PROGRESS_BATCH_WRITES; a closed batcher refuses as shutting down. */
export type CompletionBatcherOptions = Omit<GroupCommitOptions, 'closedError'>;

/**
 * Group commit for lesson completions (the kit's GroupCommit): a batch is de-duplicated by (user, lesson) and
 * written by one `write` call, and each caller's promise settles when that transaction has committed, or failed.
 */
export class CompletionBatcher {
  private readonly group: GroupCommit<Completion>;

  constructor(write: (completions: Completion[]) => Promise<void>, options: CompletionBatcherOptions) {
    this.group = new GroupCommit<Completion>(
      async (batch) => {
        await write(uniqueCompletions(batch));
        return batch.map(() => undefined);
      },
      { ...options, closedError: progressErrors.shuttingDown },
    );
  }

  /** Resolves once the completion is durably recorded; rejects with the write's error otherwise. */
  complete(completion: Completion): Promise<void> {
    return this.group.submit(completion);
  }

  /** Writes what is queued and waits for it; later completions are refused. */
  close(): Promise<void> {
    return this.group.close();
  }
}

function uniqueCompletions(batch: readonly Completion[]): Completion[] {
  const byKey = new Map<string, Completion>();
  for (const completion of batch) byKey.set(`${completion.userId}:${completion.lessonId}`, completion);
  return [...byKey.values()];
}
