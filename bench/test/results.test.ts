import { describe, expect, it } from 'vitest';
import { renderChart } from '../lib/chart.js';
import {
  checkTargets,
  combineCpu,
  combineRounds,
  cpuTable,
  errorCount,
  ratio,
  ratios,
  resultsTable,
  type Measurement,
  type MeasurementId,
} from '../lib/results.js';

function measurement(
  id: MeasurementId,
  requestsPerSecond: number,
  extra: Partial<Measurement> = {},
): Measurement {
  return {
    id,
    title: `${id} title`,
    kind: id.startsWith('S') ? 'scenario' : 'reference',
    unit: id === 'R4' ? 'verifications/s' : 'req/s',
    requests: requestsPerSecond * 10,
    durationSeconds: 10,
    requestsPerSecond,
    latencyMs: { p50: 1, p99: 3, mean: 1.2, max: 9 },
    errors: { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: 0,
    ...extra,
  };
}

const run: Measurement[] = [
  measurement('R1', 50_000),
  measurement('S1', 47_000, { latencyMs: { p50: 1, p99: 4, mean: 1, max: 8 } }),
  measurement('R2', 20_000),
  measurement('S2', 12_000, { latencyMs: { p50: 3, p99: 21.5, mean: 4, max: 40 } }),
  measurement('R2n', 13_000),
  measurement('S3', 10_000),
  measurement('R3', 4_000),
  measurement('S4', 6_000, { latencyMs: { p50: 9, p99: 45, mean: 10, max: 80 } }),
  measurement('S5', 3_000),
  measurement('R4', 40),
  measurement('S6', 30, { errors: { connect: 0, read: 0, write: 0, timeout: 2 }, non2xx: 1 }),
];

describe('ratios', () => {
  it('when both sides ran, then the ratio is scenario throughput over reference throughput', () => {
    expect(ratio(run[1], run[0])).toBeCloseTo(0.94);
    expect(ratio(run[1], undefined)).toBeNull();
    expect(ratio(run[1], measurement('R1', 0))).toBeNull();
  });

  it('when a run has every scenario, then each is paired with its reference and judged against its bound', () => {
    const rows = ratios(run);
    expect(rows.map((row) => `${row.scenario}/${row.reference}`)).toEqual([
      'S1/R1',
      'S2/R2',
      'S2/R2n',
      'S3/R2',
      'S4/R3',
      'S6/R4',
    ]);
    expect(rows.find((row) => row.scenario === 'S1')).toMatchObject({ minRatio: 0.9, met: true });
    expect(rows.find((row) => row.scenario === 'S2')?.ratio).toBeCloseTo(0.6);
    expect(rows.find((row) => row.scenario === 'S2')?.met).toBe(false);
    expect(rows.find((row) => row.reference === 'R2n')).toMatchObject({ minRatio: 0.9, met: true });
    expect(rows.find((row) => row.scenario === 'S3')).toMatchObject({ minRatio: 0.7, met: false });
    expect(rows.find((row) => row.scenario === 'S4')).toMatchObject({ ratio: 1.5, met: true });
    expect(rows.find((row) => row.scenario === 'S6')?.met).toBe(false);
  });

  it('when only some measurements ran, then only their pairs appear', () => {
    expect(ratios([measurement('S2', 10), measurement('R2', 20)]).map((row) => row.scenario)).toEqual(['S2']);
    expect(ratios([measurement('S2', 10)])).toEqual([
      { scenario: 'S2', reference: 'R2', ratio: null, minRatio: 0.7 },
    ]);
  });
});

describe('targets', () => {
  const checks = checkTargets(run, 50);

  it('when a ratio is short, then the check says by how much', () => {
    const s2 = checks.find((check) => check.target === 'S2 ≥ 0.7 × R2');
    expect(s2).toMatchObject({ met: false, actual: '0.60 ×', shortfall: '-14 % of the required throughput' });
  });

  it('when a p99 is over its bound, then the check gives the excess', () => {
    expect(checks.find((check) => check.target.startsWith('S2 p99'))).toMatchObject({
      met: false,
      shortfall: '+6.50 ms (1.4 × the bound)',
    });
    expect(checks.find((check) => check.target.startsWith('S1 p99'))?.met).toBe(true);
    expect(checks.find((check) => check.target.startsWith('S4 p99'))?.met).toBe(true);
  });

  it('when a scenario had errors or non-2xx answers, then the zero-errors target names it', () => {
    const zero = checks.find((check) => check.target.startsWith('zero errors'));
    expect(zero).toMatchObject({ met: false, actual: 'S6: 2 errors, 1 non-2xx' });
    expect(errorCount(run.find((item) => item.id === 'S6') ?? measurement('S6', 0))).toBe(2);
  });
});

describe('markdown', () => {
  it('when rendered, then every measurement has a row and scenarios show their ratio and verdicts', () => {
    const table = resultsTable(run);
    const lines = table.split('\n');
    expect(lines).toHaveLength(2 + run.length);
    expect(lines.find((line) => line.startsWith('| S1 |'))).toContain('0.94 × R1');
    expect(lines.find((line) => line.startsWith('| S2 |'))).toContain('0.60 × R2, 0.92 × R2n');
    expect(lines.find((line) => line.startsWith('| S2 |'))).toContain(
      '≥ 0.7 × R2 ❌, ≥ 0.9 × R2n ✅, p99 ≤ 15 ms ❌',
    );
    expect(lines.find((line) => line.startsWith('| R4 |'))).toContain('40 verifications/s');
    expect(lines.find((line) => line.startsWith('| S2 |'))).toContain('| 12,000 | 3.00 | 21.5 |');
  });

  it('when measurements carry CPU shares, then the CPU table has a column per process group', () => {
    const table = cpuTable([
      measurement('S1', 1, { cpu: { nginx: 61.4, other: 3 } }),
      measurement('S2', 1, { cpu: { courses: 140.2, other: 10 } }),
    ]);
    expect(table.split('\n')[0]).toBe('| | nginx | other | courses |');
    expect(table).toContain('| S2 |  | 10 | 140 |');
  });
});

describe('chart', () => {
  const svg = renderChart(run, { title: 'Scenario <vs> reference & more', subtitle: '2 cores' });

  it('when rendered, then it is one SVG document with the title escaped', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Scenario &#60;vs&#62; reference &#38; more');
    expect(svg.match(/<g /g)).toHaveLength(svg.match(/<\/g>/g)?.length ?? -1);
  });

  it('when rendered, then each pair has a scenario bar scaled to its ratio against a full reference bar', () => {
    const groups = [
      ...svg.matchAll(
        /<g class="pair" data-scenario="(S\d)" data-reference="(R\dn?)" data-ratio="([\d.]+)">([\s\S]*?)<\/g>/g,
      ),
    ];
    expect(groups.map((group) => `${group[1]}/${group[2]}`)).toEqual([
      'S1/R1',
      'S2/R2',
      'S2/R2n',
      'S3/R2',
      'S4/R3',
      'S6/R4',
    ]);
    for (const group of groups) {
      const body = group[4] ?? '';
      const scenarioWidth = Number(/class="scenario"[^>]*width="([\d.]+)"/.exec(body)?.[1]);
      const referenceWidth = Number(/class="reference"[^>]*width="([\d.]+)"/.exec(body)?.[1]);
      expect(scenarioWidth / referenceWidth).toBeCloseTo(Number(group[3]), 2);
    }
  });

  it('when a pair has a target, then it gets a target marker and the colour of its verdict', () => {
    const s2 = /data-scenario="S2"[\s\S]*?<\/g>/.exec(svg)?.[0] ?? '';
    expect(s2).toContain('class="target"');
    expect(s2).toContain('fill="#dc2626"');
    const s5 = /data-scenario="S5"[\s\S]*?<\/g>/.exec(svg)?.[0] ?? '';
    expect(s5).toBe('');
    const r2n = /data-scenario="S2" data-reference="R2n"[\s\S]*?<\/g>/.exec(svg)?.[0] ?? '';
    expect(r2n).toContain('class="target"');
  });
});

describe('rounds', () => {
  const round = (requests: number, seconds: number, p50: number, p99: number, timeout = 0) => ({
    requests,
    durationSeconds: seconds,
    requestsPerSecond: requests / seconds,
    bytesPerSecond: requests * 100,
    latencyMs: { p50, p75: p50 * 2, p99, mean: p50 * 1.5, max: p99 * 2 },
    errors: { connect: 0, read: 0, write: 0, timeout },
    non2xx: 1,
  });

  it('when rounds are combined, then throughput is total requests over total time and percentiles are medians', () => {
    const combined = combineRounds([
      round(1000, 10, 2, 9),
      round(3000, 10, 1, 30, 2),
      round(2000, 10, 3, 12),
    ]);
    expect(combined.requests).toBe(6000);
    expect(combined.durationSeconds).toBe(30);
    expect(combined.requestsPerSecond).toBe(200);
    expect(combined.latencyMs).toMatchObject({ p50: 2, p75: 4, p99: 12, max: 60 });
    expect(combined.latencyMs.mean).toBeCloseTo((1000 * 3 + 3000 * 1.5 + 2000 * 4.5) / 6000);
    expect(combined.errors.timeout).toBe(2);
    expect(combined.non2xx).toBe(3);
  });

  it('when there are two rounds, then the median is their mean; one round is returned as it is', () => {
    expect(combineRounds([round(10, 1, 2, 10), round(10, 1, 4, 20)]).latencyMs.p99).toBe(15);
    const single = round(5, 1, 1, 1);
    expect(combineRounds([single])).toBe(single);
    expect(() => combineRounds([])).toThrow();
  });

  it('when CPU shares of rounds are combined, then each round weighs by its duration', () => {
    expect(
      combineCpu([
        { cpu: { nginx: 60, other: 10 }, seconds: 10 },
        { cpu: { nginx: 90 }, seconds: 30 },
      ]),
    ).toEqual({ nginx: 82.5, other: 2.5 });
  });
});
