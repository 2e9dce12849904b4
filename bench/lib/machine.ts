// What the numbers were measured on: CPU, memory, load, and the versions of everything in the path.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type pg from 'pg';
import { Redis } from 'ioredis';
import { nginxVersion } from '../reference/static-nginx.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  loadAverage: number[];
}

export interface Versions {
  node: string;
  nginx: string;
  postgres: string;
  redis: string;
  wrk: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export async function versions(client: pg.Client, redisUrl: string): Promise<Versions> {
  const postgres = (await client.query<{ server_version: string }>('show server_version')).rows[0]
    ?.server_version;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let redisVersion = 'unknown';
  try {
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
  const wrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return {
    node: process.version,
    nginx: nginxVersion(),
    postgres: postgres ?? 'unknown',
    redis: redisVersion,
    wrk: /wrk (\S+)/.exec(`${wrk.stdout}${wrk.stderr}`)?.[1] ?? 'not installed',
  };
}

export function hasWrk(): boolean {
  return spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).status === 0;
}
