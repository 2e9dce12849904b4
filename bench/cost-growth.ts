// Does a request cost more as the data grows? Two cases, each measured under load through the cluster and as
// EXPLAIN (ANALYZE, BUFFERS) of the exact statements the service runs:
//   S2: the catalog's first page against a page 10,000 rows deep (by keyset cursor);
//   S5: /api/progress/my for a user with 10 completions against one with 10,000.
// and one measured as EXPLAIN only (an owner's read, not a load scenario):
//   analytics: GET /api/progress/courses/:id/analytics for a course with a few completions against the seeded
//   course with the most.
// Ratios are grown / baseline cost (for throughput: baseline req/s / grown req/s); the target is ≤ 1.5.
// `npx tsx bench/cost-growth.ts [--quick]` runs it alone; `npm run bench -- --cost-growth` adds it to a run;
// `npx tsx bench/cost-growth.ts --analytics` runs the analytics case alone (only DATABASE_URL, no cluster).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { coursePageQuery } from '../services/courses/src/courses.repository.js';
import { analyticsSql } from '../services/progress/src/analytics/analytics.repository.js';
import { progressSql } from '../services/progress/src/progress.repository.js';
import { commandLine, requireServers, settingsOrExit, timestampName, toolOf } from './lib/cli.js';
import { openClient, seedTitlePrefix } from './lib/dataset.js';
import { addCosts, explain, type PlanCost } from './lib/explain.js';
import { measureLoad, type LoadSettings } from './lib/load.js';
import { machineInfo } from './lib/machine.js';
import { costGrowthTarget, type LoadResult } from './lib/results.js';
import { catalogPath, startStack, type Stack } from './lib/stack.js';
import type { RequestPlan } from './lib/wrk.js';

export interface CostSide {
  label: string;
  path: string;
  /** null for a case measured by EXPLAIN only. */
  load: LoadResult | null;
  cpu: Record<string, number>;
  plan: PlanCost;
}

export interface CostCase {
  id: 'S2' | 'S5' | 'analytics';
  title: string;
  baseline: CostSide;
  grown: CostSide;
  /** grown cost / baseline cost, per measure. */
  ratios: { throughput: number; rowsExamined: number; sharedBuffers: number; executionTime: number };
}

export interface CostGrowthReport {
  target: number;
  connections: number;
  durationSeconds: number;
  cases: CostCase[];
}

/** The same encoding as the courses service's cursor (base64url of the last id). */
export function encodeCursor(lastId: number): string {
  return Buffer.from(String(lastId), 'utf8').toString('base64url');
}

export function costRatios(baseline: CostSide, grown: CostSide): CostCase['ratios'] {
  const divide = (a: number, b: number) => (b > 0 ? a / b : NaN);
  return {
    throughput: divide(baseline.load?.requestsPerSecond ?? NaN, grown.load?.requestsPerSecond ?? NaN),
    rowsExamined: divide(grown.plan.rowsExamined, baseline.plan.rowsExamined),
    sharedBuffers: divide(grown.plan.sharedBuffers, baseline.plan.sharedBuffers),
    executionTime: divide(grown.plan.executionMs, baseline.plan.executionMs),
  };
}

export async function runCostGrowth(stack: Stack, settings: LoadSettings, log: (line: string) => void) {
  const { client, cluster, fixtures } = stack;
  const side = async (
    label: string,
    path: string,
    plan: RequestPlan,
    statements: [string, unknown[]][],
  ): Promise<CostSide> => {
    log(`  cost growth: ${label} (${path})`);
    const name = `cost-${label.replace(/\W+/g, '-')}`;
    const measured = await measureLoad(
      settings,
      cluster.url,
      plan,
      name,
      stack.classify,
      stack.profileHooks(name),
    );
    const plans: PlanCost[] = [];
    for (const [text, params] of statements) plans.push(await explain(client, text, params));
    return { label, path, load: measured.result, cpu: measured.cpu, plan: addCosts(plans) };
  };

  const cases: CostCase[] = [];
  const deep = await client.query<{ id: string }>(
    'select id from courses.courses where published order by id offset 9999 limit 1',
  );
  const deepId = Number(deep.rows[0]?.id ?? 0);
  if (deepId > 0) {
    const deepPath = `${catalogPath}&cursor=${encodeCursor(deepId)}`;
    const list = (afterId: number) =>
      coursePageQuery({ publishedOnly: true }, { limit: 21, offset: 0, afterId });
    const first = list(0);
    const deeper = list(deepId);
    const baseline = await side(
      'page 1',
      catalogPath,
      { method: 'GET', paths: [catalogPath], tokens: fixtures.studentTokens },
      [[first.text, first.params]],
    );
    const grown = await side(
      '10,000 rows deep',
      deepPath,
      { method: 'GET', paths: [deepPath], tokens: fixtures.studentTokens },
      [[deeper.text, deeper.params]],
    );
    cases.push({
      id: 'S2',
      title: 'authenticated catalog page',
      baseline,
      grown,
      ratios: costRatios(baseline, grown),
    });
  } else {
    log('  cost growth: fewer than 10,000 published courses, S2 case skipped');
  }

  const myPath = '/api/progress/my?limit=50';
  const progressStatements = (userId: number): [string, unknown[]][] => [
    [progressSql.completionsPage, [userId, 50, 0]],
    [progressSql.completionsTotal, [userId]],
  ];
  const { light, heavy } = fixtures;
  const baseline = await side(
    `${light.completions} completions`,
    myPath,
    { method: 'GET', paths: [myPath], tokens: [light.token] },
    progressStatements(light.user.id),
  );
  const grown = await side(
    `${heavy.completions} completions`,
    myPath,
    { method: 'GET', paths: [myPath], tokens: [heavy.token] },
    progressStatements(heavy.user.id),
  );
  cases.push({ id: 'S5', title: 'my progress', baseline, grown, ratios: costRatios(baseline, grown) });
  const analytics = await analyticsCostCase(client, log);
  if (analytics) cases.push(analytics);

  return {
    target: costGrowthTarget,
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    cases,
  } satisfies CostGrowthReport;
}

const analyticsStatements = (courseId: number, lessonIds: readonly number[]): [string, unknown[]][] => [
  [analyticsSql.totals, [courseId]],
  [analyticsSql.completionDays, [courseId]],
  [analyticsSql.lessons, [lessonIds]],
];

async function explainSide(
  client: pg.Client,
  label: string,
  path: string,
  statements: [string, unknown[]][],
): Promise<CostSide> {
  const plans: PlanCost[] = [];
  for (const [text, params] of statements) plans.push(await explain(client, text, params));
  return { label, path, load: null, cpu: {}, plan: addCosts(plans) };
}

/**
 * The analytics read (the statements GET /api/progress/courses/:id/analytics runs), EXPLAINed for a course with
 * three learners against the seeded course with the most completions. The small course is recorded inside a
 * transaction that is rolled back: its completions go through the service's own completion statement (which
 * keeps the counters) and its enrolments into the seat counter, under ids far above any real one, so nothing of
 * it outlives the measure. Null when nothing is seeded.
 */
export async function analyticsCostCase(
  client: pg.Client,
  log: (line: string) => void,
): Promise<CostCase | null> {
  const busiest = await client.query<{ id: string; completions: string }>(
    `select c.id, coalesce(sum(l.completed), 0) as completions
     from courses.courses c join progress.lesson_stats l on l.course_id = c.id
     where c.title like $1
     group by c.id order by completions desc, c.id limit 1`,
    [`${seedTitlePrefix}%`],
  );
  const row = busiest.rows[0];
  if (!row) {
    log('  cost growth: no seeded course with completions, analytics case skipped');
    return null;
  }
  const grownId = Number(row.id);
  const grownCompletions = Number(row.completions);
  const grownLessons = (
    await client.query<{ id: string }>(
      'select id from courses.lessons where course_id = $1 order by "order"',
      [grownId],
    )
  ).rows.map((lesson) => Number(lesson.id));
  const path = (id: number) => `/api/progress/courses/${id}/analytics`;

  const smallId = 8_000_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1_000;
  const smallLessons = grownLessons.map((_, index) => smallId + 1 + index);
  const learners = [smallId + 1, smallId + 2, smallId + 3];
  // Learner k completes the first 2(k + 1) lessons: a funnel that drops off.
  const completions = learners.flatMap((userId, k) =>
    smallLessons.slice(0, 2 * (k + 1)).map((lessonId) => ({ userId, lessonId })),
  );
  log(
    `  cost growth: analytics, ${completions.length} completions against ${grownCompletions.toLocaleString('en-US')}`,
  );
  let baseline: CostSide;
  await client.query('begin');
  try {
    await client.query(progressSql.insertCompletions, [
      completions.map((item) => item.userId),
      completions.map((item) => item.lessonId),
      completions.map(() => smallId),
      completions.map(() => smallLessons.length),
      completions.map(() => false),
    ]);
    await client.query('insert into progress.course_seats (course_id, taken) values ($1, $2)', [
      smallId,
      learners.length,
    ]);
    baseline = await explainSide(
      client,
      `${completions.length} completions`,
      path(smallId),
      analyticsStatements(smallId, smallLessons),
    );
  } finally {
    await client.query('rollback');
  }
  const grown = await explainSide(
    client,
    `${grownCompletions.toLocaleString('en-US')} completions`,
    path(grownId),
    analyticsStatements(grownId, grownLessons),
  );
  return {
    id: 'analytics',
    title: 'course analytics (EXPLAIN only)',
    baseline,
    grown,
    ratios: costRatios(baseline, grown),
  };
}

function number(value: number, digits = 0): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
}

function verdict(value: number, target: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)} ${value <= target ? '✅' : '❌'}` : 'n/a';
}

export function costGrowthTable(report: CostGrowthReport): string {
  const lines = [
    '| case | side | req/s | p99 ms | rows examined | shared buffers | exec ms | plan |',
    '|---|---|--:|--:|--:|--:|--:|---|',
  ];
  for (const costCase of report.cases) {
    for (const side of [costCase.baseline, costCase.grown]) {
      lines.push(
        `| ${costCase.id} ${costCase.title} | ${side.label} | ${number(side.load?.requestsPerSecond ?? NaN)} | ` +
          `${number(side.load?.latencyMs.p99 ?? NaN, 2)} | ${number(side.plan.rowsExamined)} | ${number(side.plan.sharedBuffers)} | ` +
          `${number(side.plan.executionMs, 3)} | ${side.plan.scans.join('; ')} |`,
      );
    }
    const { ratios } = costCase;
    lines.push(
      `| ${costCase.id} **ratio** (grown / baseline, target ≤ ${report.target}) | | ${verdict(ratios.throughput, report.target)} | | ` +
        `${verdict(ratios.rowsExamined, report.target)} | ${verdict(ratios.sharedBuffers, report.target)} | ` +
        `${verdict(ratios.executionTime, report.target)} | |`,
    );
  }
  return lines.join('\n');
}

/** `--analytics`: the analytics case alone, on the seeded database, without starting the cluster. */
async function analyticsOnly(args: string[]): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('npx tsx bench/cost-growth.ts --analytics needs DATABASE_URL (the seeded database)');
    process.exit(2);
  }
  const outIndex = args.indexOf('--out');
  const outDir = outIndex >= 0 ? (args[outIndex + 1] ?? 'bench/results') : 'bench/results';
  const client = openClient(databaseUrl);
  await client.connect();
  const started = new Date();
  try {
    const analytics = await analyticsCostCase(client, (line) => console.error(line));
    if (!analytics) process.exit(1);
    const report: CostGrowthReport = {
      target: costGrowthTarget,
      connections: 0,
      durationSeconds: 0,
      cases: [analytics],
    };
    const name = `${timestampName(started)}-cost-growth-analytics`;
    mkdirSync(outDir, { recursive: true });
    const command = commandLine('bench/cost-growth.ts', args, process.env);
    writeFileSync(
      join(outDir, `${name}.json`),
      `${JSON.stringify({ startedAt: started.toISOString(), command, machine: machineInfo(), report }, null, 2)}\n`,
    );
    const markdown = `# Cost growth (analytics), ${started.toISOString()}\n\n\`${command}\`\n\n${costGrowthTable(report)}\n`;
    writeFileSync(join(outDir, `${name}.md`), markdown);
    console.log(markdown);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--analytics')) {
    await analyticsOnly(args);
    return;
  }

  const settings = settingsOrExit(args);
  const { databaseUrl, redisUrl } = requireServers('npx tsx bench/cost-growth.ts');
  const log = (line: string) => console.error(line);
  const stack = await startStack({
    databaseUrl,
    redisUrl,
    replicas: settings.replicas,
    ports: settings.ports,
    students: settings.students,
    references: false,
    ...(settings.profileDir ? { cpuProfileDir: settings.profileDir } : {}),
    log,
  });
  const started = new Date();
  try {
    const loadSettings: LoadSettings = {
      tool: toolOf(settings),
      connections: settings.connections,
      threads: settings.threads,
      timeoutSeconds: settings.timeoutSeconds,
      warmupSeconds: Math.min(settings.warmupSeconds, 3),
      durationSeconds: Math.min(settings.durationSeconds, settings.quick ? 5 : 15),
      scriptDir: stack.workDir,
    };
    const report = await runCostGrowth(stack, loadSettings, log);
    const name = `${timestampName(started)}-cost-growth`;
    mkdirSync(settings.outDir, { recursive: true });
    const command = commandLine('bench/cost-growth.ts', args, process.env);
    const machine = machineInfo();
    writeFileSync(
      join(settings.outDir, `${name}.json`),
      `${JSON.stringify({ startedAt: started.toISOString(), command, machine, report }, null, 2)}\n`,
    );
    const markdown = `# Cost growth, ${started.toISOString()}\n\n\`${command}\`\n\n${costGrowthTable(report)}\n`;
    writeFileSync(join(settings.outDir, `${name}.md`), markdown);
    console.log(markdown);
  } finally {
    await stack.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
