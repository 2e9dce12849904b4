/** Thrown by ConcurrencyLimit.run when every slot is busy and the wait queue is full. */
export class OverloadedError extends Error {
  constructor() {
    super('concurrency limit reached and the wait queue is full');
    this.name = 'OverloadedError';
  }
}

/**
 * At most `concurrency` tasks run at once; up to `maxWaiting` more wait in FIFO order; anything past that is
 * refused at once instead of joining an unbounded queue.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) {
      this.running += 1;
    } else if (this.waiting.length < this.maxWaiting) {
      // The finishing task hands its slot straight to us, so `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new OverloadedError();
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
