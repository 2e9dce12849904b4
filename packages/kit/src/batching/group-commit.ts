export interface GroupCommitOptions {
  /** Most items one write (one transaction) takes. */
  maxBatch: number;
  /** How long the first item at an idle committer waits for others to join its write. */
  windowMs: number;
  /** Writes in flight at once; 1 when unset. */
  maxWrites?: number;
  /** What a submit after close() rejects with (a service's "shutting down" 503). */
  closedError: () => Error;
}

interface Waiter<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items that arrive within the window, or while the writes are all in flight, are written together
 * by one `write` call (one transaction), and each caller's promise settles only when that write has committed, or
 * failed. `write` answers one result per item, in the order given. At most `maxWrites` writes run at once: one
 * commit's fsync overlaps the next batch's work, and once they are all busy the queue behind them becomes the next
 * batch, so the batch size grows with the load instead of the transaction count.
 */
export class GroupCommit<Item, Result = void> {
  private queue: Waiter<Item, Result>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly writes = new Set<Promise<void>>();
  private readonly maxWrites: number;
  private closed = false;

  constructor(
    private readonly write: (items: Item[]) => Promise<readonly Result[]>,
    private readonly options: GroupCommitOptions,
  ) {
    this.maxWrites = Math.max(1, options.maxWrites ?? 1);
  }

  /** Resolves with the item's result once its batch is durably written; rejects with the write's error otherwise. */
  submit(item: Item): Promise<Result> {
    if (this.closed) return Promise.reject(this.options.closedError());
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Writes what is queued and waits for it; later submits are refused. */
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

  private async writeBatch(batch: Waiter<Item, Result>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((waiter) => waiter.item));
      batch.forEach((waiter, index) => waiter.resolve(results[index] as Result));
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }
}
