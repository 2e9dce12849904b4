import { progressErrors } from './progress.errors.js';
import type { Completion } from './progress.repository.js';

export interface CompletionBatcherOptions {
  /** Most completions one transaction writes (PROGRESS_BATCH_MAX). */
  maxBatch: number;
  /** How long an idle batcher waits for more completions before writing (PROGRESS_BATCH_WINDOW_MS). */
  windowMs: number;
  /** Transactions in flight at once (PROGRESS_BATCH_WRITES); 1 when unset. */
  maxWrites?: number;
}

interface Waiter {
  completion: Completion;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for lesson completions. Completions that arrive within the window, or while the writes are all in
 * flight, are written together by one `write` call (one transaction), and each caller's promise settles only when
 * that transaction has committed, or failed. At most `maxWrites` transactions run at once per process: one
 * commit's fsync overlaps the next batch's work, and once they are all busy the queue behind them becomes the
 * next batch, so the batch size grows with the load instead of the transaction count.
 */
export class CompletionBatcher {
  private queue: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly writes = new Set<Promise<void>>();
  private readonly maxWrites: number;
  private closed = false;

  constructor(
    private readonly write: (completions: Completion[]) => Promise<void>,
    private readonly options: CompletionBatcherOptions,
  ) {
    this.maxWrites = Math.max(1, options.maxWrites ?? 1);
  }

  /** Resolves once the completion is durably recorded; rejects with the write's error otherwise. */
  complete(completion: Completion): Promise<void> {
    if (this.closed) return Promise.reject(progressErrors.shuttingDown());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ completion, resolve, reject });
      this.schedule();
    });
  }

  /** Writes what is queued and waits for it; later completions are refused. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    while (this.writes.size > 0) await Promise.all(this.writes);
  }

  private schedule(): void {
    if (this.writes.size >= this.maxWrites) return; // a finishing write takes the queue
    if (this.queue.length >= this.options.maxBatch) {
      this.flush();
    } else {
      this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
    }
  }

  /** Starts writes for what is queued, as many as may run. */
  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.writes.size < this.maxWrites && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      const written: Promise<void> = this.writeBatch(batch).finally(() => {
        this.writes.delete(written);
        // What queued while every write was busy goes now, without waiting for the next arrival.
        this.flush();
      });
      this.writes.add(written);
    }
  }

  private async writeBatch(batch: Waiter[]): Promise<void> {
    try {
      await this.write(uniqueCompletions(batch));
      for (const waiter of batch) waiter.resolve();
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }
}

function uniqueCompletions(batch: readonly Waiter[]): Completion[] {
  const byKey = new Map<string, Completion>();
  for (const { completion } of batch) byKey.set(`${completion.userId}:${completion.lessonId}`, completion);
  return [...byKey.values()];
}
