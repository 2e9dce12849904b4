// Per-process CPU during a measured run, from /proc (Linux): utime + stime of each tracked process before and
// after, and the machine's busy time from /proc/stat, so whatever else runs on the machine (other test suites)
// shows up as "other".
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** cutime + cstime: CPU of children this process has waited for (a load generator that has exited). */
  reapedTicks: number;
}

/** One /proc/<pid>/stat line. `comm` is in parentheses and may itself contain spaces or parentheses. */
export function parseProcStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open === -1 || close === -1) return null;
  const fields = line.slice(close + 2).split(' ');
  // After comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  const [ppid = NaN, utime = NaN, stime = NaN, cutime = NaN, cstime = NaN] = [1, 11, 12, 13, 14].map(
    (index) => Number(fields[index]),
  );
  if (![ppid, utime, stime, cutime, cstime].every(Number.isFinite)) return null;
  return {
    pid: Number(line.slice(0, open).trim()),
    comm: line.slice(open + 1, close),
    ppid,
    ticks: utime + stime,
    reapedTicks: cutime + cstime,
  };
}

export function readProcesses(): ProcStat[] {
  const found: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat) found.push(stat);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}

/** Busy and total ticks over all CPUs, from the first line of /proc/stat. */
export function parseSystemStat(text: string): { busy: number; total: number } {
  const line = text.split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Names the group a process belongs to, or null to leave it to "other". */
export type Classifier = (process: ProcStat, all: ReadonlyMap<number, ProcStat>) => string | null;

interface Snapshot {
  at: number;
  processes: Map<number, ProcStat>;
  system: { busy: number; total: number };
}

function snapshot(): Snapshot {
  return {
    at: performance.now(),
    processes: new Map(readProcesses().map((stat) => [stat.pid, stat])),
    system: parseSystemStat(readFileSync('/proc/stat', 'utf8')),
  };
}

/**
 * CPU per group between two snapshots, as % of one core; "other" is the machine's busy time nobody tracked.
 * `reaped` names the group of this process's children that exited during the interval (wrk).
 */
export function cpuShares(
  before: Snapshot,
  after: Snapshot,
  classify: Classifier,
  hz: number,
  reaped?: { pid: number; group: string },
): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  const shares: Record<string, number> = {};
  let tracked = 0;
  if (reaped) {
    const used =
      (after.processes.get(reaped.pid)?.reapedTicks ?? 0) -
      (before.processes.get(reaped.pid)?.reapedTicks ?? 0);
    shares[reaped.group] = used;
    tracked += used;
  }
  for (const [pid, stat] of after.processes) {
    const group = classify(stat, after.processes);
    if (group === null) continue;
    const used = stat.ticks - (before.processes.get(pid)?.ticks ?? 0);
    tracked += used;
    shares[group] = (shares[group] ?? 0) + used;
  }
  const toPercent = (ticks: number) => (seconds > 0 ? (ticks / hz / seconds) * 100 : 0);
  const result: Record<string, number> = {};
  for (const [group, ticks] of Object.entries(shares)) result[group] = toPercent(ticks);
  result.other = Math.max(0, toPercent(after.system.busy - before.system.busy - tracked));
  result.machine = toPercent(after.system.busy - before.system.busy);
  return result;
}

export interface CpuWatch {
  stop(): Record<string, number>;
}

/** `reapedGroup`: the group to charge with the CPU of this process's children that exit meanwhile. */
export function watchCpu(classify: Classifier, reapedGroup?: string): CpuWatch {
  const before = snapshot();
  const reaped = reapedGroup ? { pid: process.pid, group: reapedGroup } : undefined;
  return { stop: () => cpuShares(before, snapshot(), classify, clockTicks(), reaped) };
}

/** True when `pid` is `ancestor` or descends from it. */
export function descendsFrom(pid: number, ancestor: number, all: ReadonlyMap<number, ProcStat>): boolean {
  let current: number | undefined = pid;
  for (let depth = 0; current !== undefined && current > 1 && depth < 32; depth += 1) {
    if (current === ancestor) return true;
    current = all.get(current)?.ppid;
  }
  return false;
}
