import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { dbReplicaLagSeconds } from '../metrics/metrics.js';

/**
 * How a read may be served. Without it a query runs on the primary. With `mayLag` it may run on the read
 * replica (DATABASE_READ_URL), unless one of `freshFor`'s subjects was written within the read-your-writes
 * window, the replica is down or too far behind: then the primary answers.
 */
export interface ReadOptions {
  mayLag: true;
  /** Subjects whose recent writes this read must see: `freshness.user(id)`, `freshness.area('courses')`. */
  freshFor?: readonly string[];
}

/** Names of what a write touched; reads name the same subjects in `freshFor`. */
export const freshness = {
  /** Everything one user wrote: their completions, their courses, their account. */
  user: (userId: number) => `user:${userId}`,
  /** Everything written under /api/<area>/…, by anyone: a catalog read after any course write. */
  area: (area: string) => `area:${area}`,
};

/**
 * Subjects written within the last `windowMs`, shared by every replica of every service through Redis (and
 * remembered in-process too, so this process never waits on Redis for its own writes). Never throws: with
 * Redis unreachable, another process's recent write is not seen and its reader may get the replica.
 */
export class RecentWrites {
  private readonly local = new Map<string, number>();
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis | null,
    prefix: string,
    readonly windowMs: number,
  ) {
    this.prefix = `${prefix}:written:`;
  }

  /** Awaited before a write answers, so the writer's next request finds the mark on whichever replica. */
  async mark(subjects: readonly string[]): Promise<void> {
    if (subjects.length === 0) return;
    const until = performance.now() + this.windowMs;
    for (const subject of subjects) this.local.set(subject, until);
    if (this.local.size > 100_000) this.forgetExpired();
    if (this.redis?.status !== 'ready') return;
    const pipeline = this.redis.pipeline();
    for (const subject of subjects) pipeline.set(this.prefix + subject, '1', 'PX', this.windowMs);
    await pipeline.exec().catch(() => undefined);
  }

  async anyRecent(subjects: readonly string[]): Promise<boolean> {
    if (subjects.length === 0) return false;
    const now = performance.now();
    if (subjects.some((subject) => (this.local.get(subject) ?? 0) > now)) return true;
    if (this.redis?.status !== 'ready') return false;
    try {
      const found = await this.redis.exists(...subjects.map((subject) => this.prefix + subject));
      return found > 0;
    } catch {
      return false;
    }
  }

  private forgetExpired(): void {
    const now = performance.now();
    for (const [subject, until] of this.local) if (until <= now) this.local.delete(subject);
  }
}

export interface ReplicaStatus {
  usable: boolean;
  /** Age of the oldest primary WAL not replayed yet; null when the replica could not be measured. */
  lagMs: number | null;
  /** Why it is not usable: unreachable, behind, not a standby of this primary. */
  reason: string | null;
}

/** An LSN like `16/B374D848` as a number of bytes. */
export function parseLsn(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  if (high === undefined || low === undefined) throw new Error(`not an LSN: ${lsn}`);
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

interface LsnSample {
  at: number;
  lsn: bigint;
}

export interface ReplicaMonitorOptions {
  maxLagMs: number;
  checkMs: number;
  onChange?: ((status: ReplicaStatus) => void) | undefined;
}

/**
 * Measures how far the replica is behind: every check samples the primary's current WAL position and the
 * replica's replay position; the lag is how long ago the primary first had WAL the replica has not replayed
 * (0 when it has replayed everything). Unlike now() - pg_last_xact_replay_timestamp() this stays 0 on an idle
 * primary, and it grows while replay is paused or stuck. Until the first check the replica is not used.
 */
export class ReplicaMonitor {
  private status: ReplicaStatus = { usable: false, lagMs: null, reason: 'not measured yet' };
  private samples: LsnSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly listeners = new Set<(status: ReplicaStatus) => void>();

  /** `primary` and `replica` are the monitor's own pools; stop() ends them. */
  constructor(
    private readonly primary: Pool,
    private readonly replica: Pool,
    private readonly options: ReplicaMonitorOptions,
  ) {
    if (options.onChange) this.listeners.add(options.onChange);
  }

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.checkMs);
    this.timer.unref();
  }

  /** Stops measuring and closes the monitor's own connections. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking?.catch(() => undefined);
    await Promise.all([this.primary.end(), this.replica.end()]);
  }

  get current(): ReplicaStatus {
    return this.status;
  }

  /** Tells `listener` about every change between usable and skipped; returns the unsubscribe function. */
  watch(listener: (status: ReplicaStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A query on the replica failed as unavailable: skip it until the next check finds it back. */
  reportUnavailable(error: unknown): void {
    this.update({ usable: false, lagMs: null, reason: `unreachable: ${messageOf(error)}` });
  }

  /** Measures now; resolves when done (concurrent calls share one measurement). */
  check(): Promise<void> {
    this.checking ??= this.measure().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async measure(): Promise<void> {
    let primaryLsn: bigint;
    try {
      const { rows } = await this.primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      primaryLsn = parseLsn(rows[0]?.lsn ?? '0/0');
    } catch {
      // The primary's own health is readiness' business; without its position the lag cannot be known.
      return;
    }
    const now = performance.now();
    this.samples.push({ at: now, lsn: primaryLsn });
    const horizon = now - Math.max(this.options.maxLagMs * 2, this.options.checkMs * 4);
    while (this.samples.length > 1 && (this.samples[0]?.at ?? now) < horizon) this.samples.shift();

    let replay: { standby: boolean; lsn: string | null };
    try {
      const { rows } = await this.replica.query<{ standby: boolean; lsn: string | null }>(
        'select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as lsn',
      );
      replay = rows[0] ?? { standby: false, lsn: null };
    } catch (error) {
      this.update({ usable: false, lagMs: null, reason: `unreachable: ${messageOf(error)}` });
      return;
    }
    // A server that is not in recovery (DATABASE_READ_URL naming the primary itself, as in development) has
    // every write the moment it commits.
    const lagMs = replay.standby ? this.lagOf(replay.lsn === null ? 0n : parseLsn(replay.lsn), now) : 0;
    const behind = lagMs > this.options.maxLagMs;
    this.update({
      usable: !behind,
      lagMs,
      reason: behind
        ? `behind by ${Math.round(lagMs)} ms (DB_REPLICA_MAX_LAG_MS ${this.options.maxLagMs})`
        : null,
    });
  }

  private lagOf(replayed: bigint, now: number): number {
    const oldestMissing = this.samples.find((sample) => sample.lsn > replayed);
    return oldestMissing === undefined ? 0 : now - oldestMissing.at;
  }

  private update(next: ReplicaStatus): void {
    dbReplicaLagSeconds.set(next.lagMs === null ? -1 : next.lagMs / 1000);
    const changed = next.usable !== this.status.usable;
    this.status = next;
    if (changed) for (const listener of this.listeners) listener(next);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
