// Bounded load for cluster tests, and a collector for the replicas' logs (printed when a test fails).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadFailure {
  /** Milliseconds since the load started. */
  atMs: number;
  client: number;
  detail: string;
}

export interface LoadOptions {
  clients: number;
  /** Hard stop, however many requests were made. */
  maxDurationMs: number;
  maxRequestsPerClient: number;
  /** Pause after each request of a client. */
  pauseMs?: number;
}

/**
 * Clients that each run `step` in a loop until stop(), the time limit or the request limit. A step that
 * throws is a failure (recorded with its message and time) and the client carries on.
 */
export class Load {
  ok = 0;
  readonly failures: LoadFailure[] = [];
  private stopped = false;
  private startedAt = 0;

  stop(): void {
    this.stopped = true;
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  async run(options: LoadOptions, step: (client: number, iteration: number) => Promise<void>): Promise<void> {
    this.startedAt = Date.now();
    const deadline = this.startedAt + options.maxDurationMs;
    const client = async (index: number) => {
      for (let iteration = 0; iteration < options.maxRequestsPerClient; iteration += 1) {
        if (this.stopped || Date.now() >= deadline) return;
        try {
          await step(index, iteration);
          this.ok += 1;
        } catch (error) {
          this.failures.push({
            atMs: this.elapsedMs(),
            client: index,
            detail: error instanceof Error ? error.message : String(error),
          });
        }
        if (options.pauseMs) await new Promise((done) => setTimeout(done, options.pauseMs));
      }
    };
    await Promise.all(Array.from({ length: options.clients }, (_unused, index) => client(index)));
  }

  describeFailures(limit = 20): string {
    return this.failures
      .slice(0, limit)
      .map((failure) => `  +${failure.atMs} ms client ${failure.client}: ${failure.detail}`)
      .join('\n');
  }
}

/** Keeps the last lines each replica wrote, for the report of a failed test. */
export class ReplicaLogs {
  private readonly lines = new Map<string, string[]>();

  constructor(private readonly keep = 150) {}

  readonly output = (service: string, index: number, chunk: string): void => {
    const name = `${service}#${index}`;
    const kept = this.lines.get(name) ?? [];
    for (const line of chunk.split('\n')) if (line.trim()) kept.push(line);
    this.lines.set(name, kept.slice(-this.keep));
  };

  dump(runDir?: string): string {
    const parts = [...this.lines].map(([name, lines]) => `--- ${name}\n${lines.join('\n')}`);
    if (runDir) {
      try {
        const errors = readFileSync(join(runDir, 'nginx', 'error.log'), 'utf8')
          .split('\n')
          .slice(-60);
        parts.push(`--- nginx error.log\n${errors.join('\n')}`);
      } catch {
        parts.push('--- nginx error.log: not readable');
      }
    }
    return parts.join('\n');
  }
}
