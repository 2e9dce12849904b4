// `npm run seed -- [--courses N] [--lessons N] [--users N] [--progress N] [--reset | --clean]`: loads a dataset
// for the benchmark into the services' real schemas with set-based SQL. Seed-owned rows are the accounts of
// @seed.lectern.test (and their progress) and the courses titled "[seed] …" (and their lessons); --reset
// deletes exactly those before seeding again, --clean deletes them and stops. See bench/README.md.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { authConfigSchema, hashParameters } from '@lectern/auth';
import { parseConfig } from '@lectern/kit';
import argon2 from 'argon2';
import {
  countSeedRows,
  defaultSizes,
  ensureBenchSchema,
  migrate,
  openClient,
  readSeedInfo,
  resetSeed,
  seed,
  seedPassword,
  validateSizes,
  type PasswordHashParameters,
  type SeedInfo,
  type SeedSizes,
} from './lib/dataset.js';

export class SeedError extends Error {}

/** The argon2id parameters the auth replicas will use (PASSWORD_HASH_* from the environment, else OWASP's). */
export function serviceHashParameters(env: NodeJS.ProcessEnv = process.env): PasswordHashParameters {
  return hashParameters(parseConfig(authConfigSchema, { ...env, LOG_LEVEL: 'warn' }));
}

export interface EnsureSeedOptions {
  databaseUrl: string;
  sizes: SeedSizes;
  reset: boolean;
  log: (line: string) => void;
}

/**
 * Seeds unless a seed with these sizes is already there. A seed of other sizes is kept and reported unless
 * `reset` is set (reseeding a big dataset takes minutes: it is never done behind the caller's back).
 */
export async function ensureSeed(options: EnsureSeedOptions): Promise<SeedInfo> {
  const { databaseUrl, sizes, log } = options;
  const problems = validateSizes(sizes);
  if (problems.length > 0) throw new SeedError(problems.join('\n'));
  migrate(databaseUrl);
  const client = openClient(databaseUrl);
  await client.connect();
  try {
    await ensureBenchSchema(client);
    const existing = await readSeedInfo(client);
    const counts = await countSeedRows(client);
    const hasRows = Object.values(counts).some((count) => count > 0);
    if (!options.reset && existing) return existing;
    if (!options.reset && hasRows) {
      throw new SeedError(
        `seed-owned rows exist without a finished seed (${JSON.stringify(counts)}): run again with --reset`,
      );
    }
    if (hasRows) {
      log('deleting seed-owned rows…');
      await resetSeed(client, log);
    }
    const parameters = serviceHashParameters();
    const hash = await argon2.hash(seedPassword, { type: argon2.argon2id, ...parameters });
    log(
      `seeding ${sizes.courses.toLocaleString('en-US')} courses, ${sizes.lessons.toLocaleString('en-US')} lessons, ` +
        `${sizes.users.toLocaleString('en-US')} users, ${sizes.progress.toLocaleString('en-US')} completions ` +
        `(+ light user ${sizes.light}, heavy user ${sizes.heavy})…`,
    );
    const info = await seed(client, sizes, hash, parameters, log);
    log(`seeded in ${info.seconds} s: ${JSON.stringify(info.counts)}`);
    return info;
  } finally {
    await client.end();
  }
}

function sizeFlag(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new SeedError(`--${name} must be a whole number`);
  return parsed;
}

export function sizesFromFlags(values: Partial<Record<keyof SeedSizes, string>>): SeedSizes {
  return {
    courses: sizeFlag(values.courses, defaultSizes.courses, 'courses'),
    lessons: sizeFlag(values.lessons, defaultSizes.lessons, 'lessons'),
    users: sizeFlag(values.users, defaultSizes.users, 'users'),
    progress: sizeFlag(values.progress, defaultSizes.progress, 'progress'),
    light: sizeFlag(values.light, defaultSizes.light, 'light'),
    heavy: sizeFlag(values.heavy, defaultSizes.heavy, 'heavy'),
  };
}

export const sizeOptions = {
  courses: { type: 'string' },
  lessons: { type: 'string' },
  users: { type: 'string' },
  progress: { type: 'string' },
  light: { type: 'string' },
  heavy: { type: 'string' },
} as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...sizeOptions,
      reset: { type: 'boolean' },
      clean: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(
      'npm run seed -- [--courses N] [--lessons N] [--users N] [--progress N] [--light N] [--heavy N] [--reset | --clean]\n' +
        `defaults: ${JSON.stringify(defaultSizes)}; needs DATABASE_URL`,
    );
    return;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error(
      'npm run seed needs PostgreSQL: set DATABASE_URL, e.g.\n' +
        '  DATABASE_URL=postgres://root@127.0.0.1:5432/lectern_bench npm run seed',
    );
    process.exit(2);
  }
  const log = (line: string) => console.error(line);
  try {
    if (values.clean) {
      migrate(databaseUrl);
      const client = openClient(databaseUrl);
      await client.connect();
      try {
        await ensureBenchSchema(client);
        await resetSeed(client, log);
      } finally {
        await client.end();
      }
      return;
    }
    const sizes = sizesFromFlags(values);
    const info = await ensureSeed({ databaseUrl, sizes, reset: values.reset === true, log });
    if (JSON.stringify(info.sizes) !== JSON.stringify(sizes)) {
      log(
        `a seed of other sizes is already loaded (${JSON.stringify(info.sizes)}); kept it: pass --reset to replace it`,
      );
    } else {
      log(`dataset ready: ${JSON.stringify(info.counts)}`);
    }
  } catch (error) {
    console.error(error instanceof SeedError ? error.message : error);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
