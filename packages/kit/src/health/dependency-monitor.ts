import { dependencyUp } from '../metrics/metrics.js';

/** The part of a pino/Fastify logger the monitor writes to. */
export interface WarnLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

interface DependencyState {
  up: boolean;
  /** Logged already: a state reached before a logger was attached is logged when it is. */
  logged: boolean;
  since: number;
  reason: string | undefined;
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return typeof error === 'string' ? error : 'unknown error';
}

/**
 * Tracks whether this process reaches each dependency (PostgreSQL, Redis) from what the clients see: a
 * connection lost or refused, a connection made, a readiness probe. Each change is one `warn` line
 * (`dependency_lost` / `dependency_restored`, however many requests failed meanwhile) and the gauge
 * dependency_up{dependency}.
 */
export class DependencyMonitor {
  private readonly states = new Map<string, DependencyState>();
  private logger: WarnLogger | undefined;

  /** Where the lines go; until then changes are recorded, and a dependency that is down is logged on attach. */
  attachLogger(logger: WarnLogger): void {
    this.logger = logger;
    for (const [dependency, state] of this.states) if (!state.logged) this.log(dependency, state);
  }

  report(dependency: string, up: boolean, error?: unknown): void {
    const state = this.states.get(dependency);
    if (state?.up === up) return;
    const next: DependencyState = {
      up,
      logged: false,
      since: performance.now(),
      reason: up ? undefined : describe(error),
    };
    this.states.set(dependency, next);
    dependencyUp.set({ dependency }, up ? 1 : 0);
    // The first "up" is the normal start, not news; a first "down" is (the dependency was never reached).
    if (state === undefined && up) {
      next.logged = true;
      return;
    }
    this.log(dependency, next, state);
  }

  /** undefined while nothing was reported. */
  isUp(dependency: string): boolean | undefined {
    return this.states.get(dependency)?.up;
  }

  private log(dependency: string, state: DependencyState, previous?: DependencyState): void {
    if (!this.logger) return;
    state.logged = true;
    const downForMs = previous && !previous.up ? Math.round(state.since - previous.since) : undefined;
    if (state.up) {
      this.logger.warn(
        { event: 'dependency_restored', dependency, down_for_ms: downForMs },
        `${dependency} is reachable again`,
      );
    } else {
      this.logger.warn(
        { event: 'dependency_lost', dependency, reason: state.reason },
        `${dependency} is unreachable`,
      );
    }
  }
}
