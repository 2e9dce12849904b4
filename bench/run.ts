// `npm run bench [-- --quick] [-- --cost-growth]`: the scenarios S1–S6 against the cluster (nginx + 2 replicas of
// each service, real PostgreSQL and Redis, seeded data) and the references R1–R4 measured in the same run, then
// bench/results/<timestamp>.{md,json} and bench/results/latest.svg. See bench/README.md.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import argon2 from 'argon2';
import { runCostGrowth, type CostGrowthReport } from './cost-growth.js';
import { measureArgon2, threadPoolSize } from './reference/argon2-verify.js';
import { renderChart } from './lib/chart.js';
import {
  commandLine,
  requireServers,
  runsOpeningRush,
  settingsOrExit,
  timestampName,
  toolOf,
  type BenchSettings,
} from './lib/cli.js';
import { seedDomain, type SeedInfo } from './lib/dataset.js';
import { measureLoad, type LoadSettings, type Measured } from './lib/load.js';
import { machineInfo, versions } from './lib/machine.js';
import { prime } from './lib/prime.js';
import { probe, type Probe } from './lib/probe.js';
import { watchCpu } from './lib/process-cpu.js';
import {
  checkTargets,
  combineCpu,
  combineRounds,
  errorCount,
  ratios,
  type Measurement,
  type MeasurementId,
} from './lib/results.js';
import { measurementPlans, type MeasurementPlan } from './lib/scenarios.js';
import { markdown, type RunRecord } from './lib/run-report.js';
import { startStack, type Stack } from './lib/stack.js';
import { describeCpu } from './lib/cluster-cpu.js';
import {
  describeOpeningRush,
  r3Authorizations,
  r3WithTheSameClient,
  runOpeningRush,
} from './opening-rush.js';
import { ensureSeed, serviceHashParameters, SeedError, sizesFromFlags } from './seed.js';

const log = (line: string) => console.error(line);

function urlOf(stack: Stack, plan: MeasurementPlan): string {
  const { references } = stack;
  if (plan.target === 'cluster') return stack.cluster.url;
  if (!references) throw new Error('the reference servers are not running');
  if (plan.target === 'r1') return references.r1.url;
  if (plan.target === 'r2') return references.r2.url;
  if (plan.target === 'r2n') return references.r2n.url;
  return references.r3.url;
}

function loadSettingsOf(settings: BenchSettings, scriptDir: string): LoadSettings {
  const tool = toolOf(settings);
  return {
    tool,
    connections: settings.connections,
    threads: settings.threads,
    timeoutSeconds: settings.timeoutSeconds,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds,
    scriptDir,
  };
}

type Probe0 = Pick<Probe, 'status' | 'headerBytes' | 'bodyBytes' | 'contentEncoding'>;

/** Checks the first request works, sizes its answer, primes the caches when the plan asks for it. */
async function prepare(stack: Stack, plan: MeasurementPlan, notes: string[]): Promise<Probe0 | undefined> {
  if (!plan.plan) return undefined;
  const url = urlOf(stack, plan);
  const checked = await probe(url, plan.plan);
  if (checked.status >= 400) {
    notes.push(`${plan.id}: the probe request answered ${checked.status} before the run.`);
    log(`  ${plan.id}: probe answered ${checked.status}`);
  }
  if (plan.id === 'S1') {
    const again = await probe(url, plan.plan);
    notes.push(`S1: X-Cache-Status of a repeated probe: ${again.headers['x-cache-status'] ?? 'absent'}.`);
  }
  if (plan.prime) {
    const primed = await prime(url, plan.prime);
    if (primed.failures > 0) {
      notes.push(`${plan.id}: ${primed.failures} of ${primed.requests} priming requests failed.`);
    }
  }
  const sized: Probe0 = {
    status: checked.status,
    headerBytes: checked.headerBytes,
    bodyBytes: checked.bodyBytes,
  };
  const contentEncoding = checked.headers['content-encoding'];
  if (contentEncoding) sized.contentEncoding = contentEncoding;
  return sized;
}

/** One round of one measurement; `load.warmupSeconds` is 0 after the first round. */
async function measureRound(stack: Stack, plan: MeasurementPlan, load: LoadSettings): Promise<Measured> {
  if (plan.target === 'argon2') {
    const parameters = serviceHashParameters();
    const threads = threadPoolSize();
    if (load.warmupSeconds > 0) await measureArgon2(parameters, threads, Math.min(2, load.warmupSeconds));
    const watch = watchCpu(stack.classify({}));
    const result = await measureArgon2(parameters, threads, load.durationSeconds);
    return { result, cpu: watch.stop() };
  }
  if (!plan.plan) throw new Error(`${plan.id} has no request plan`);
  return measureLoad(
    load,
    urlOf(stack, plan),
    plan.plan,
    plan.id,
    stack.classify,
    stack.profileHooks(plan.id),
  );
}

/** Scenarios measured next to their reference; the order flips every round so drift hits both sides alike. */
const measurementGroups: MeasurementId[][] = [
  ['R1', 'S1'],
  ['R2', 'R2n', 'S2', 'S3'],
  ['R3', 'S4'],
  ['S5'],
  ['R4', 'S6'],
];

async function measureGroup(
  stack: Stack,
  plans: MeasurementPlan[],
  load: LoadSettings,
  rounds: number,
  notes: string[],
): Promise<Measurement[]> {
  const probes = new Map<MeasurementId, Probe0 | undefined>();
  const collected = new Map<MeasurementId, Measured[]>();
  const perRound = load.durationSeconds / rounds;
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? plans : [...plans].reverse();
    for (const plan of order) {
      if (!probes.has(plan.id)) probes.set(plan.id, await prepare(stack, plan, notes));
      const measured = await measureRound(stack, plan, {
        ...load,
        warmupSeconds: collected.has(plan.id) ? 0 : load.warmupSeconds,
        durationSeconds: perRound,
      });
      collected.set(plan.id, [...(collected.get(plan.id) ?? []), measured]);
      if (rounds > 1) {
        log(
          `    ${plan.id} round ${round + 1}/${rounds}: ${Math.round(measured.result.requestsPerSecond).toLocaleString('en-US')}/s`,
        );
      }
    }
  }
  return plans.map((plan) => {
    const results = collected.get(plan.id) ?? [];
    const measurement: Measurement = {
      id: plan.id,
      title: plan.title,
      kind: plan.kind,
      unit: plan.target === 'argon2' ? 'verifications/s' : 'req/s',
      ...combineRounds(results.map((measured) => measured.result)),
      cpu: combineCpu(
        results.map((measured) => ({ cpu: measured.cpu, seconds: measured.result.durationSeconds })),
      ),
    };
    const checked = probes.get(plan.id);
    if (checked) measurement.probe = checked;
    if (rounds > 1)
      measurement.roundsPerSecond = results.map(
        (measured) => Math.round(measured.result.requestsPerSecond * 10) / 10,
      );
    return measurement;
  });
}

function describeLine(measurement: Measurement): string {
  const { latencyMs } = measurement;
  return (
    `  ${measurement.id.padEnd(3)} ${Math.round(measurement.requestsPerSecond).toLocaleString('en-US').padStart(8)} ${measurement.unit}` +
    `  p50 ${latencyMs.p50.toFixed(2)} ms  p99 ${latencyMs.p99.toFixed(2)} ms  errors ${errorCount(measurement)}  non-2xx ${measurement.non2xx}`
  );
}

/** Flags that change where a run goes or what it sends, not how long or how hard it measures. */
const placementFlags = new Set(['--identity', '--port', '--out', '--note']);

function measuresAsDefault(args: readonly string[]): boolean {
  for (let index = 0; index < args.length; index += 1) {
    const flag = args[index] ?? '';
    if (!placementFlags.has(flag.split('=')[0] ?? '')) return false;
    if (flag !== '--identity' && !flag.includes('=')) index += 1;
  }
  return true;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const settings = settingsOrExit(args);
  const { databaseUrl, redisUrl } = requireServers('npm run bench');
  const startedAt = new Date();
  const startMachine = machineInfo();

  let dataset: SeedInfo;
  try {
    dataset = await ensureSeed({
      databaseUrl,
      sizes: sizesFromFlags(settings.sizes),
      reset: settings.reseed,
      log,
    });
  } catch (error) {
    console.error(error instanceof SeedError ? error.message : error);
    process.exit(1);
  }

  const stack = await startStack({
    databaseUrl,
    redisUrl,
    replicas: settings.replicas,
    ports: settings.ports,
    students: settings.students,
    references: !settings.costGrowthOnly,
    ...(settings.profileDir ? { cpuProfileDir: settings.profileDir } : {}),
    log,
  });
  const notes: string[] = [];
  const measurements: (Measurement & { description: string })[] = [];
  let costGrowth: CostGrowthReport | null = null;
  const load = loadSettingsOf(settings, stack.workDir);
  let record: RunRecord;
  try {
    const storedHash = await stack.client.query<{ password_hash: string }>(
      'select password_hash from auth.users where email like $1 limit 1',
      [`%@${seedDomain}`],
    );
    const hash = storedHash.rows[0]?.password_hash;
    if (hash && argon2.needsRehash(hash, serviceHashParameters())) {
      notes.push(
        'The seeded password hash uses other argon2id parameters than the auth service: every S6 login also rehashes. Reseed with --reseed.',
      );
    }
    const plans = measurementPlans(stack.fixtures, settings.requests).filter(
      (plan) => !settings.costGrowthOnly && (settings.only === null || settings.only.includes(plan.id)),
    );
    log(
      `measuring ${plans.map((plan) => plan.id).join(', ')}: ${load.tool}, ${load.connections} connections, ` +
        `${load.warmupSeconds} s warm-up + ${load.durationSeconds} s each`,
    );
    for (const group of measurementGroups) {
      const members = plans.filter((plan) => group.includes(plan.id));
      if (members.length === 0) continue;
      for (const measurement of await measureGroup(stack, members, load, settings.rounds, notes)) {
        const plan = members.find((member) => member.id === measurement.id);
        measurements.push({ ...measurement, description: plan?.description ?? '' });
        log(describeLine(measurement));
      }
    }
    if (runsOpeningRush(settings)) {
      // S7 needs thousands of distinct learners whatever the mode: --quick shortens the timed scenarios only.
      const rush = await runOpeningRush({
        baseUrl: stack.baseUrl,
        client: stack.client,
        minter: stack.minter,
        learners: 5000,
        connections: load.connections,
        classify: stack.classify({}),
      });
      // R3 again, from the same fetch client as the rush: wrk's R3 row is not comparable with it.
      const r3 = stack.references
        ? await r3WithTheSameClient(
            stack.references.r3.url,
            r3Authorizations(stack.minter, 2000),
            5000,
            load.connections,
          )
        : undefined;
      const line = describeOpeningRush(rush, r3?.perSecond);
      notes.push(
        line,
        r3
          ? `S7's R3, the same fetch client: ${r3.perSecond} req/s, p99 ${r3.p99Ms} ms, errors ${r3.errors}.`
          : 'S7: no R3 in this run.',
        `S7 CPU per process group (% of one core): ${describeCpu(rush.cpu ?? {})}.`,
      );
      log(line);
    }
    if (plans.some((plan) => plan.target === 'argon2')) {
      const parameters = serviceHashParameters();
      notes.push(
        `R4: argon2id m=${parameters.memoryCost} KiB, t=${parameters.timeCost}, p=${parameters.parallelism}; ` +
          `${threadPoolSize()} verifications at once (UV_THREADPOOL_SIZE), in the bench process.`,
      );
    }
    if (settings.costGrowth) {
      const costLoad: LoadSettings = {
        ...load,
        warmupSeconds: Math.min(load.warmupSeconds, 3),
        durationSeconds: Math.min(load.durationSeconds, settings.quick ? 5 : 15),
      };
      costGrowth = await runCostGrowth(stack, costLoad, log);
    }

    const restarted = stack.cluster.replicas.filter((replica) => replica.starts > 1);
    if (restarted.length > 0) {
      notes.push(
        `Replicas restarted during the run: ${restarted.map((replica) => `${replica.service}#${replica.index}`).join(', ')}.`,
      );
    }
    const replicaErrors = readFileSync(stack.replicaLog, 'utf8')
      .split('\n')
      .filter((line) => /"level":(50|60|"error"|"fatal")/.test(line));
    if (replicaErrors.length > 0) {
      notes.push(
        `Replicas logged ${replicaErrors.length} error line(s); the first: \`${replicaErrors[0]?.slice(0, 300) ?? ''}\``,
      );
    }
    if (settings.connections !== 50)
      notes.push(`The p99 targets are stated at 50 connections; this run used ${settings.connections}.`);
    const other = measurements.map((measurement) => measurement.cpu?.other ?? 0);
    const busiest = Math.max(0, ...other);
    notes.push(
      `Shared, noisy machine: load average ${startMachine.loadAverage.join(' / ')} at the start; processes outside the bench ` +
        `used up to ${Math.round(busiest)} % of one core during a measured run ("other" in the CPU table).`,
    );
    if (settings.note) notes.push(settings.note);

    const finishedAt = new Date();
    record = {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      command: commandLine('bench/run.ts', args, process.env),
      mode: measuresAsDefault(args) ? 'full' : settings.quick ? 'quick' : 'custom',
      settings: {
        tool: load.tool,
        connections: load.connections,
        threads: load.threads,
        pipelining: 1,
        warmupSeconds: load.warmupSeconds,
        durationSeconds: load.durationSeconds,
        timeoutSeconds: load.timeoutSeconds,
        rounds: settings.rounds,
        replicasPerService: settings.replicas,
        dbPoolPerReplica: '4 + 8',
        r3Pool: 20,
        students: stack.fixtures.studentTokens.length,
        requests: settings.requests,
      },
      machine: { start: startMachine, loadAverageEnd: machineInfo().loadAverage },
      versions: await versions(stack.client, redisUrl),
      dataset,
      measurements,
      ratios: ratios(measurements),
      targets: checkTargets(measurements, settings.connections),
      costGrowth,
      notes,
    };
  } finally {
    await stack.stop();
  }

  mkdirSync(settings.outDir, { recursive: true });
  const name = timestampName(startedAt);
  const text = markdown(record);
  writeFileSync(join(settings.outDir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(join(settings.outDir, `${name}.md`), text);
  if (measurements.length > 0) {
    const chart = renderChart(measurements, {
      title: 'Lectern: each scenario against its reference (same run)',
      subtitle: `${startMachine.cores} × ${startMachine.cpuModel}, ${load.tool} ${load.connections} connections, ${load.durationSeconds} s each, ${settings.requests} requests, ${record.startedAt.slice(0, 16)}Z`,
    });
    writeFileSync(join(settings.outDir, `${name}.svg`), chart);
    copyFileSync(join(settings.outDir, `${name}.svg`), join(settings.outDir, 'latest.svg'));
  }
  console.log(text);
  log(
    `written: ${join(settings.outDir, `${name}.md`)} and .json${measurements.length > 0 ? ', latest.svg' : ''}`,
  );
}

await main();
