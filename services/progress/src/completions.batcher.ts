import { progressErrors } from './progress.errors.js';
import type { Completion } from './progress.repository.js';

export interface CompletionBatcherOptions {
  /** Most completions one transaction writes (PROGRESS_BATCH_MAX). */
  maxBatch: number;
  /** How long an idle batcher waits for more completions before writing (PROGRESS_BATCH_WINDOW_MS). */
  windowMs: number;
}

interface Waiter {
  completion: Completion;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for lesson completions. Completions that arrive within the window, or while a write is in flight,
 * are written together by one `write` call (one transaction), and each caller's promise settles only when that
 * transaction has committed, or failed. One write runs at a time per process: under load the queue that builds
 * up behind it becomes the next batch, so the batch size grows with the load instead of the transaction count.
 */
export class CompletionBatcher {
  private queue: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly write: (completions: Completion[]) => Promise<void>,
    private readonly options: CompletionBatcherOptions,
  ) {}

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
    this.startDraining();
    while (this.draining) await this.draining;
  }

  private schedule(): void {
    if (this.draining) return;
    if (this.queue.length >= this.options.maxBatch) {
      this.startDraining();
    } else {
      this.timer ??= setTimeout(() => this.startDraining(), this.options.windowMs);
    }
  }

  private startDraining(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.draining || this.queue.length === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      // Completions queued between the last batch and this callback would otherwise wait for the next arrival.
      this.startDraining();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      try {
        await this.write(uniqueCompletions(batch));
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
  }
}

function uniqueCompletions(batch: readonly Waiter[]): Completion[] {
  const byKey = new Map<string, Completion>();
  for (const { completion } of batch) byKey.set(`${completion.userId}:${completion.lessonId}`, completion);
  return [...byKey.values()];
}
