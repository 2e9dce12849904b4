// One interface over wrk and autocannon: a warm-up (discarded), then the measured run with per-process CPU.
import { runAutocannon } from './autocannon.js';
import { watchCpu, type Classifier } from './process-cpu.js';
import type { LoadResult } from './results.js';
import { startWrk, type RequestPlan } from './wrk.js';

export type Tool = 'wrk' | 'autocannon';

export interface LoadSettings {
  tool: Tool;
  connections: number;
  threads: number;
  timeoutSeconds: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Where wrk's Lua scripts go. */
  scriptDir: string;
}

/** Called around the measured run only (not the warm-up), e.g. to toggle the replicas' profilers. */
export interface MeasureHooks {
  started?: () => void;
  finished?: () => void;
}

export interface Measured {
  result: LoadResult;
  cpu: Record<string, number>;
}

async function once(
  settings: LoadSettings,
  url: string,
  plan: RequestPlan,
  seconds: number,
  name: string,
  onStart: (pid: number | undefined) => void,
): Promise<LoadResult> {
  const options = {
    url,
    plan,
    connections: settings.connections,
    threads: settings.threads,
    durationSeconds: seconds,
    timeoutSeconds: settings.timeoutSeconds,
  };
  if (settings.tool === 'autocannon') {
    onStart(undefined);
    return runAutocannon(options);
  }
  const running = startWrk(options, settings.scriptDir, name);
  onStart(running.pid);
  return running.result;
}

export async function measureLoad(
  settings: LoadSettings,
  url: string,
  plan: RequestPlan,
  name: string,
  classify: (extra: Record<string, number | undefined>) => Classifier,
  hooks: MeasureHooks = {},
): Promise<Measured> {
  if (settings.warmupSeconds > 0) {
    await once(settings, url, plan, settings.warmupSeconds, `${name}-warmup`, () => undefined);
  }
  let watch: ReturnType<typeof watchCpu> | undefined;
  // wrk has exited (and been reaped) by the time the run is over: its CPU is read from this process's
  // children's times. autocannon runs in this process, under "bench".
  const result = await once(settings, url, plan, settings.durationSeconds, name, () => {
    hooks.started?.();
    watch = watchCpu(classify({}), settings.tool === 'wrk' ? 'wrk' : undefined);
  });
  const cpu = watch?.stop() ?? {};
  hooks.finished?.();
  return { result, cpu };
}
