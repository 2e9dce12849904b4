// Which process of a bench run is which, for the CPU tables: the cluster's replicas by service, its nginx (master
// and workers), named extra processes (reference servers, a reference nginx's whole tree), this process, and the
// machine's PostgreSQL and Redis. Anything else is left to "other".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../../scripts/cluster.js';
import { descendsFrom, watchCpu, type Classifier, type ProcStat } from './process-cpu.js';

function nginxMaster(cluster: Cluster): number {
  try {
    return Number(readFileSync(join(cluster.runDir, 'nginx', 'nginx.pid'), 'utf8').trim());
  } catch {
    return -1;
  }
}

/** `named`: group name → a pid whose process and descendants belong to that group. */
export function classifyCluster(cluster: Cluster, named: Record<string, number | undefined>): Classifier {
  return (stat: ProcStat, all: ReadonlyMap<number, ProcStat>) => {
    for (const replica of cluster.replicas) {
      if (replica.child?.pid === stat.pid) return replica.service;
    }
    const master = nginxMaster(cluster);
    if (master > 0 && descendsFrom(stat.pid, master, all)) return 'nginx';
    for (const [name, pid] of Object.entries(named)) {
      if (pid !== undefined && descendsFrom(stat.pid, pid, all)) return name;
    }
    if (stat.pid === process.pid) return 'bench';
    if (stat.comm === 'postgres') return 'postgres';
    if (stat.comm.startsWith('redis-server')) return 'redis';
    return null;
  };
}

/** Runs `work` and answers its result with the CPU each group used meanwhile, as % of one core. */
export async function withCpu<T>(
  classify: Classifier,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: Record<string, number> }> {
  const watch = watchCpu(classify);
  const result = await work();
  return { result, cpu: watch.stop() };
}

/** "nginx 41 %, progress 88 %, …", the biggest first; `machine` and `other` last. */
export function describeCpu(cpu: Record<string, number>): string {
  const { machine = 0, other = 0, ...groups } = cpu;
  const parts = Object.entries(groups)
    .filter(([, share]) => share >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([group, share]) => `${group} ${Math.round(share)} %`);
  return [...parts, `other ${Math.round(other)} %`, `machine ${Math.round(machine)} %`].join(', ');
}
