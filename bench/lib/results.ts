// What a run produces: one measurement per scenario and reference, the scenario/reference ratios, the targets
// they are read against, and the markdown table. Pure functions, unit-tested.

export interface LoadResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  bytesPerSecond?: number;
  latencyMs: { p50: number; p75?: number; p90?: number; p99: number; mean: number; max: number };
  /** Socket-level failures; non-2xx answers are counted apart. */
  errors: { connect: number; read: number; write: number; timeout: number };
  /** Answers with a status ≥ 400 (wrk counts those; nothing here sends conditional requests, so no 3xx). */
  non2xx: number;
}

export type MeasurementId = 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6' | 'R1' | 'R2' | 'R2n' | 'R3' | 'R4';

/**
 * One result from several rounds of the same measurement: counts and durations add up, throughput is the total
 * over the total time, each latency percentile is the median of the rounds' (the max stays the max).
 */
export function combineRounds(rounds: readonly LoadResult[]): LoadResult {
  const first = rounds[0];
  if (!first) throw new Error('combineRounds needs at least one round');
  if (rounds.length === 1) return first;
  const sum = (pick: (round: LoadResult) => number) =>
    rounds.reduce((total, round) => total + pick(round), 0);
  const median = (pick: (round: LoadResult) => number | undefined) => {
    const values = rounds
      .map(pick)
      .filter((value): value is number => value !== undefined)
      .sort((a, b) => a - b);
    if (values.length === 0) return undefined;
    const middle = Math.floor(values.length / 2);
    return values.length % 2 === 1
      ? (values[middle] ?? NaN)
      : ((values[middle - 1] ?? NaN) + (values[middle] ?? NaN)) / 2;
  };
  const requests = sum((round) => round.requests);
  const durationSeconds = sum((round) => round.durationSeconds);
  const latencyMs: LoadResult['latencyMs'] = {
    p50: median((round) => round.latencyMs.p50) ?? NaN,
    p99: median((round) => round.latencyMs.p99) ?? NaN,
    mean: requests > 0 ? sum((round) => round.latencyMs.mean * round.requests) / requests : NaN,
    max: Math.max(...rounds.map((round) => round.latencyMs.max)),
  };
  const p75 = median((round) => round.latencyMs.p75);
  const p90 = median((round) => round.latencyMs.p90);
  if (p75 !== undefined) latencyMs.p75 = p75;
  if (p90 !== undefined) latencyMs.p90 = p90;
  const combined: LoadResult = {
    requests,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? requests / durationSeconds : 0,
    latencyMs,
    errors: {
      connect: sum((round) => round.errors.connect),
      read: sum((round) => round.errors.read),
      write: sum((round) => round.errors.write),
      timeout: sum((round) => round.errors.timeout),
    },
    non2xx: sum((round) => round.non2xx),
  };
  if (rounds.every((round) => round.bytesPerSecond !== undefined)) {
    combined.bytesPerSecond =
      durationSeconds > 0
        ? sum((round) => (round.bytesPerSecond ?? 0) * round.durationSeconds) / durationSeconds
        : 0;
  }
  return combined;
}

/** CPU shares of several rounds, weighted by each round's duration. */
export function combineCpu(
  rounds: readonly { cpu: Record<string, number>; seconds: number }[],
): Record<string, number> {
  const total = rounds.reduce((sum, round) => sum + round.seconds, 0);
  const combined: Record<string, number> = {};
  for (const round of rounds) {
    for (const [group, share] of Object.entries(round.cpu)) {
      combined[group] = (combined[group] ?? 0) + (total > 0 ? (share * round.seconds) / total : 0);
    }
  }
  return combined;
}

export interface Measurement extends LoadResult {
  id: MeasurementId;
  title: string;
  kind: 'scenario' | 'reference';
  /** req/s, or verifications/s for R4. */
  unit: string;
  /** Per-process CPU during the measured run, % of one core (200 = both cores of a 2-core machine). */
  cpu?: Record<string, number>;
  /** Response size seen by one probe request before the run. */
  probe?: { status: number; headerBytes: number; bodyBytes: number; contentEncoding?: string };
  /** Each round's throughput, when the measurement was split into rounds interleaved with its pair. */
  roundsPerSecond?: number[];
}

export interface Pairing {
  scenario: MeasurementId;
  reference: MeasurementId;
  /** The ratio the issue asks for (scenario req/s ≥ minRatio × reference). */
  minRatio?: number;
}

export const pairings: readonly Pairing[] = [
  { scenario: 'S1', reference: 'R1', minRatio: 0.9 },
  { scenario: 'S2', reference: 'R2', minRatio: 0.7 },
  // R2 behind the same nginx: what Lectern costs once the proxy hop is paid on both sides.
  { scenario: 'S2', reference: 'R2n', minRatio: 0.9 },
  { scenario: 'S3', reference: 'R2', minRatio: 0.7 },
  { scenario: 'S4', reference: 'R3', minRatio: 1.0 },
  { scenario: 'S6', reference: 'R4', minRatio: 0.9 },
];

/** p99 bounds at 50 connections, in milliseconds. */
export const p99TargetsMs: Partial<Record<MeasurementId, number>> = { S1: 5, S2: 15, S3: 15, S4: 50 };

export const costGrowthTarget = 1.5;

export function errorCount(result: LoadResult): number {
  const { connect, read, write, timeout } = result.errors;
  return connect + read + write + timeout;
}

/** Scenario throughput over reference throughput; null when either is missing or the reference did nothing. */
export function ratio(scenario: LoadResult | undefined, reference: LoadResult | undefined): number | null {
  if (!scenario || !reference || reference.requestsPerSecond <= 0) return null;
  return scenario.requestsPerSecond / reference.requestsPerSecond;
}

export interface RatioRow {
  scenario: MeasurementId;
  reference: MeasurementId;
  ratio: number | null;
  minRatio?: number;
  met?: boolean;
}

export function ratios(measurements: readonly Measurement[]): RatioRow[] {
  const byId = new Map(measurements.map((measurement) => [measurement.id, measurement]));
  // A scenario's pairs whose reference ran; its first pair (ratio null) when none did.
  const shown = pairings.filter((pairing, index) => {
    if (!byId.has(pairing.scenario)) return false;
    if (byId.has(pairing.reference)) return true;
    const own = pairings.filter((other) => other.scenario === pairing.scenario);
    return own[0] === pairings[index] && !own.some((other) => byId.has(other.reference));
  });
  return shown.map((pairing) => {
    const value = ratio(byId.get(pairing.scenario), byId.get(pairing.reference));
    const row: RatioRow = { scenario: pairing.scenario, reference: pairing.reference, ratio: value };
    if (pairing.minRatio !== undefined) {
      row.minRatio = pairing.minRatio;
      if (value !== null) row.met = value >= pairing.minRatio;
    }
    return row;
  });
}

export interface TargetCheck {
  target: string;
  actual: string;
  met: boolean;
  /** How far off, when missed: e.g. "-23 % of the required throughput" or "+4.1 ms". */
  shortfall?: string;
}

function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** Every target of the issue that this run can judge. */
export function checkTargets(measurements: readonly Measurement[], connections: number): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const row of ratios(measurements)) {
    if (row.minRatio === undefined || row.ratio === null) continue;
    const check: TargetCheck = {
      target: `${row.scenario} ≥ ${row.minRatio} × ${row.reference}`,
      actual: `${fixed(row.ratio)} ×`,
      met: row.ratio >= row.minRatio,
    };
    if (!check.met) {
      check.shortfall = `${fixed((row.ratio / row.minRatio - 1) * 100, 0)} % of the required throughput`;
    }
    checks.push(check);
  }
  for (const measurement of measurements) {
    const bound = p99TargetsMs[measurement.id];
    if (bound === undefined) continue;
    const p99 = measurement.latencyMs.p99;
    const check: TargetCheck = {
      target: `${measurement.id} p99 ≤ ${bound} ms at ${connections} connections`,
      actual: `${fixed(p99)} ms`,
      met: p99 <= bound,
    };
    if (!check.met) check.shortfall = `+${fixed(p99 - bound)} ms (${fixed(p99 / bound, 1)} × the bound)`;
    checks.push(check);
  }
  const failing = measurements.filter(
    (measurement) => measurement.kind === 'scenario' && errorCount(measurement) + measurement.non2xx > 0,
  );
  checks.push({
    target: 'zero errors and zero non-2xx in every scenario',
    actual:
      failing.length === 0
        ? '0'
        : failing
            .map(
              (measurement) =>
                `${measurement.id}: ${errorCount(measurement)} errors, ${measurement.non2xx} non-2xx`,
            )
            .join('; '),
    met: failing.length === 0,
  });
  return checks;
}

function integer(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

function milliseconds(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** The headline table: every measurement, with the ratios to its references on the scenario's row. */
export function resultsTable(measurements: readonly Measurement[]): string {
  const rowsOf = new Map<MeasurementId, RatioRow[]>();
  for (const row of ratios(measurements))
    rowsOf.set(row.scenario, [...(rowsOf.get(row.scenario) ?? []), row]);
  const lines = [
    '| | what | req/s | p50 ms | p99 ms | errors | non-2xx | vs reference | target |',
    '|---|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const measurement of measurements) {
    const rows = rowsOf.get(measurement.id) ?? [];
    const compared = rows.filter((row) => row.ratio !== null);
    const versus =
      compared.length > 0
        ? compared.map((row) => `${fixed(row.ratio ?? NaN)} × ${row.reference}`).join(', ')
        : measurement.kind === 'reference'
          ? '—'
          : '';
    const targets: string[] = [];
    for (const row of rows) {
      if (row.minRatio !== undefined && row.ratio !== null)
        targets.push(`≥ ${row.minRatio} × ${row.reference} ${row.met ? '✅' : '❌'}`);
    }
    const bound = p99TargetsMs[measurement.id];
    if (bound !== undefined)
      targets.push(`p99 ≤ ${bound} ms ${measurement.latencyMs.p99 <= bound ? '✅' : '❌'}`);
    const unit = measurement.unit === 'req/s' ? '' : ` ${measurement.unit}`;
    lines.push(
      `| ${measurement.id} | ${measurement.title} | ${integer(measurement.requestsPerSecond)}${unit} | ` +
        `${milliseconds(measurement.latencyMs.p50)} | ${milliseconds(measurement.latencyMs.p99)} | ` +
        `${errorCount(measurement)} | ${measurement.non2xx} | ${versus} | ${targets.join(', ')} |`,
    );
  }
  return lines.join('\n');
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  return [
    '| target | this run | met | shortfall |',
    '|---|--:|:-:|---|',
    ...checks.map(
      (check) =>
        `| ${check.target} | ${check.actual} | ${check.met ? '✅' : '❌'} | ${check.shortfall ?? ''} |`,
    ),
  ].join('\n');
}

/** CPU per process group for each measurement, % of one core. */
export function cpuTable(measurements: readonly Measurement[]): string {
  const groups = [...new Set(measurements.flatMap((measurement) => Object.keys(measurement.cpu ?? {})))];
  if (groups.length === 0) return '';
  return [
    `| | ${groups.join(' | ')} |`,
    `|---|${groups.map(() => '--:').join('|')}|`,
    ...measurements.map(
      (measurement) =>
        `| ${measurement.id} | ${groups.map((group) => (measurement.cpu?.[group] === undefined ? '' : Math.round(measurement.cpu[group]).toString())).join(' | ')} |`,
    ),
  ].join('\n');
}
