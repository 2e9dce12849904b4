import type { AnswerInput } from '../api/quiz-taking.api';
import { ApiError } from '../api/http';

export type SaveState =
  /** Nothing changed since the page opened. */
  | 'idle'
  /** Changes wait for the learner to pause (or are being written). */
  | 'saving'
  /** Everything the learner entered is on the server. */
  | 'saved'
  /** The last write failed for a passing reason; another follows by itself. */
  | 'retrying'
  /** The server refused the answers for good (not a passing failure); the next change tries again. */
  | 'failed'
  /** The attempt is closed (submitted, or past its deadline): nothing more is taken. */
  | 'closed';

export interface SaverStatus {
  state: SaveState;
  /** The server's time of the last successful save. */
  savedAt: string | null;
  error: unknown;
}

export interface AnswerSaverOptions {
  save: (answers: AnswerInput[]) => Promise<{ saved_at: string }>;
  onStatus: (status: SaverStatus) => void;
  /** Called once when the server says the attempt no longer takes answers. */
  onClosed: () => void;
  /** Wait this long after the last change before writing (typing stays one request). */
  debounceMs?: number;
  /** Waits before each retry of a failed write; the last one repeats. */
  retryDelaysMs?: readonly number[];
}

/** A network failure, a rate limit or a server error: worth trying again as it is. */
export function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
}

/**
 * Autosave for one attempt: collects the latest answer per question, writes what changed after a pause in one
 * PUT (the server's save is partial and idempotent, the last write of a question wins), one write at a time,
 * retrying passing failures with backoff. `flush()` writes at once, for submitting.
 */
export class AnswerSaver {
  private readonly dirty = new Map<number, AnswerInput>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> | null = null;
  private failures = 0;
  private status: SaverStatus = { state: 'idle', savedAt: null, error: undefined };
  private readonly debounceMs: number;
  private readonly retryDelaysMs: readonly number[];

  constructor(private readonly options: AnswerSaverOptions) {
    this.debounceMs = options.debounceMs ?? 800;
    this.retryDelaysMs = options.retryDelaysMs ?? [1_000, 2_000, 4_000, 8_000, 15_000];
  }

  get closed(): boolean {
    return this.status.state === 'closed';
  }

  /** Whether some answer is not on the server yet. */
  get unsaved(): boolean {
    return this.dirty.size > 0 || this.writing !== null;
  }

  /**
   * Takes the latest answer to a question. Typing waits for a pause; `immediate` (a click on an option, leaving a
   * field) writes at once.
   */
  change(answer: AnswerInput, immediate = false): void {
    if (this.closed) return;
    this.dirty.set(answer.question_id, answer);
    this.failures = 0;
    this.emit({ state: 'saving', error: undefined });
    this.schedule(immediate ? 0 : this.debounceMs);
  }

  /** Writes what is pending now instead of after the pause (the learner left a field). */
  hurry(): void {
    if (this.closed || this.dirty.size === 0 || this.status.state === 'retrying') return;
    this.schedule(0);
  }

  /**
   * Writes every pending answer now and resolves once they are on the server; rejects with the error of a write
   * that failed (the answers stay pending, and retries go on). Resolves at once when the attempt is closed.
   */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (!this.closed && (this.writing !== null || this.dirty.size > 0)) {
      if (this.writing !== null) {
        await this.writing;
        continue;
      }
      await this.write();
      if (this.status.state === 'retrying' || this.status.state === 'failed') throw this.status.error;
    }
  }

  /** Stops: no more writes or timers (the page is leaving, or the attempt is over). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty.clear();
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.writing === null) void this.write();
    }, delayMs);
  }

  private write(): Promise<void> {
    const batch = [...this.dirty.values()];
    this.dirty.clear();
    if (batch.length === 0) return Promise.resolve();
    this.writing = this.options.save(batch).then(
      (saved) => {
        this.writing = null;
        this.failures = 0;
        if (this.dirty.size > 0) {
          this.emit({ state: 'saving', savedAt: saved.saved_at, error: undefined });
          if (this.timer === undefined) this.schedule(0);
        } else {
          this.emit({ state: 'saved', savedAt: saved.saved_at, error: undefined });
        }
      },
      (error: unknown) => {
        this.writing = null;
        // Newer answers to the same questions win over the batch that failed.
        for (const answer of batch) {
          if (!this.dirty.has(answer.question_id)) this.dirty.set(answer.question_id, answer);
        }
        if (error instanceof ApiError && error.code === 'attempt_closed') {
          this.dirty.clear();
          clearTimeout(this.timer);
          this.emit({ state: 'closed', error });
          this.options.onClosed();
        } else if (isTransient(error)) {
          const delay =
            this.retryDelaysMs[Math.min(this.failures, this.retryDelaysMs.length - 1)] ?? this.debounceMs;
          this.failures += 1;
          this.emit({ state: 'retrying', error });
          this.schedule(delay);
        } else {
          this.emit({ state: 'failed', error });
        }
      },
    );
    return this.writing;
  }

  private emit(change: Partial<SaverStatus> & { state: SaveState }): void {
    this.status = { ...this.status, ...change };
    this.options.onStatus(this.status);
  }
}
