// The markdown of a full run (bench/results/<timestamp>.md): how it was run, on what, the tables, what each row
// is, and the notes. The .json next to it is the RunRecord itself.
import { costGrowthTable, type CostGrowthReport } from '../cost-growth.js';
import type { SeedInfo } from './dataset.js';
import type { MachineInfo, Versions } from './machine.js';
import {
  cpuTable,
  resultsTable,
  targetsTable,
  type Measurement,
  type RatioRow,
  type TargetCheck,
} from './results.js';
import { browserHeaders, type RequestStyle } from './scenarios.js';

export interface RunRecord {
  startedAt: string;
  finishedAt: string;
  command: string;
  mode: 'quick' | 'full' | 'custom';
  settings: {
    tool: string;
    connections: number;
    threads: number;
    pipelining: 1;
    warmupSeconds: number;
    durationSeconds: number;
    timeoutSeconds: number;
    rounds: number;
    replicasPerService: number;
    dbPoolPerReplica: string;
    r3Pool: number;
    students: number;
    /** browser: every request carries a browser's headers (Accept-Encoding: gzip, deflate, br …); identity: none. */
    requests: RequestStyle;
  };
  machine: { start: MachineInfo; loadAverageEnd: number[] };
  versions: Versions;
  dataset: SeedInfo;
  measurements: (Measurement & { description: string })[];
  ratios: RatioRow[];
  targets: TargetCheck[];
  costGrowth: CostGrowthReport | null;
  notes: string[];
}

function requestsLine(style: RequestStyle): string {
  return style === 'browser'
    ? `browser-like requests (${Object.entries(browserHeaders)
        .map(([name, value]) => `${name}: ${value}`)
        .join('; ')})`
    : 'identity requests (no Accept-Encoding, Accept or User-Agent: --identity)';
}

export function markdown(record: RunRecord): string {
  const { settings, machine, versions: v, dataset } = record;
  const counts = Object.entries(dataset.counts)
    .map(([name, value]) => `${value.toLocaleString('en-US')} ${name}`)
    .join(', ');
  const sections = [
    `# Lectern benchmark, ${record.startedAt}`,
    '',
    `Command: \`${record.command}\``,
    '',
    `- Mode: ${record.mode}; ${settings.tool} with ${settings.threads} thread(s), ${settings.connections} connections, no pipelining, ` +
      `timeout ${settings.timeoutSeconds} s; ${requestsLine(settings.requests)}; ${settings.warmupSeconds} s warm-up (discarded) + ${settings.durationSeconds} s measured per row` +
      (settings.rounds > 1
        ? `, in ${settings.rounds} rounds of ${settings.durationSeconds / settings.rounds} s interleaved with the row's pair (order flipped each round; p50/p99 = median of the rounds).`
        : '.'),
    `- Machine: ${machine.start.cores} × ${machine.start.cpuModel}, ${machine.start.memoryGiB} GiB, Linux ${machine.start.kernel}; ` +
      `load average ${machine.start.loadAverage.join(' / ')} at the start, ${machine.loadAverageEnd.join(' / ')} at the end. ` +
      'The load generator shares the cores with the servers.',
    `- Versions: Node ${v.node}, nginx ${v.nginx}, PostgreSQL ${v.postgres}, Redis ${v.redis}, wrk ${v.wrk}.`,
    `- Cluster: nginx + ${settings.replicasPerService} replicas each of auth, courses, progress (DB pool ${settings.dbPoolPerReplica} per replica), ` +
      'rate limits lifted (RATE_LIMIT_MAX, AUTH_RATE_LIMIT_MAX = 10^8), LOG_LEVEL=warn.',
    `- Dataset (seed-owned rows): ${counts}; seeded ${dataset.seededAt} in ${dataset.seconds} s with ${JSON.stringify(dataset.sizes)}.`,
    '',
    '## Results',
    '',
    resultsTable(record.measurements),
    '',
    'Ratios are scenario req/s ÷ reference req/s measured in this run (S6/R4: logins/s ÷ argon2id verifications/s).',
    '',
    '## Targets',
    '',
    targetsTable(record.targets),
    '',
    '## CPU during each measured run',
    '',
    '% of one core per process group (200 = the whole 2-core machine); "other" is CPU used by processes outside the bench ' +
      '(other test suites on a shared machine), "machine" the total.',
    '',
    cpuTable(record.measurements),
    '',
  ];
  if (record.costGrowth) {
    sections.push(
      '## Cost growth',
      '',
      `${record.costGrowth.connections} connections, ${record.costGrowth.durationSeconds} s per side; EXPLAIN (ANALYZE, BUFFERS) of the statements the service runs.`,
      '',
      costGrowthTable(record.costGrowth),
      '',
    );
  }
  sections.push(
    '## What each row is',
    '',
    ...record.measurements.map((measurement) => {
      const size = measurement.probe
        ? ` Answer: ${measurement.probe.status}, ${measurement.probe.headerBytes} B of headers + ${measurement.probe.bodyBytes} B of body` +
          `${measurement.probe.contentEncoding ? ` (${measurement.probe.contentEncoding})` : ''}.`
        : '';
      return `- **${measurement.id}** ${measurement.title}: ${measurement.description}.${size}`;
    }),
    '',
  );
  if (record.notes.length > 0) sections.push('## Notes', '', ...record.notes.map((note) => `- ${note}`), '');
  return sections.join('\n');
}
