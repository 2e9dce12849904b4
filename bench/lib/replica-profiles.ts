import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';

/**
 * V8 CPU profiles of the cluster's replicas for scripts that start their own cluster (S7, S8): `env` goes to the
 * replicas (it loads cpu-profiler.preload.mjs), and `toggle(label)` starts every replica's profiler, `toggle()`
 * stops it and writes `<service>-<pid>-<label>.cpuprofile` into the folder. Without a folder both do nothing.
 */
export function replicaProfiles(folder: string | undefined) {
  const dir = folder === undefined ? undefined : resolve(folder);
  if (dir !== undefined) mkdirSync(dir, { recursive: true });
  return {
    env: (): Record<string, string> =>
      dir === undefined
        ? {}
        : {
            NODE_OPTIONS: `--import ${resolve('bench/lib/cpu-profiler.preload.mjs')}`,
            LECTERN_CPU_PROFILE_DIR: dir,
          },
    toggle: (replicas: readonly { child?: ChildProcess | null }[], label?: string): void => {
      if (dir === undefined) return;
      if (label !== undefined) writeFileSync(join(dir, 'label'), label);
      for (const replica of replicas) replica.child?.kill('SIGUSR2');
    },
  };
}
