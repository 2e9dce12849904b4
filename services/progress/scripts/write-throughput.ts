/**
 * Completions per second through the group-commit path versus one statement per completion, on the PostgreSQL
 * at DATABASE_URL, with many concurrent writers (as at a course deadline). Every completion is a new row.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/test \
 *     npx tsx --conditions lectern-source services/progress/scripts/write-throughput.ts
 *
 * BENCH_WRITERS (200) and BENCH_SECONDS (5) size the run; PROGRESS_BATCH_MAX / PROGRESS_BATCH_WINDOW_MS and the
 * DB_* pool settings are read as the service reads them. The rows written are deleted at the end.
 */
import { databaseOptions, openDatabase, parseConfig, type Database } from '@lectern/kit';
import { CompletionBatcher } from '../src/completions.batcher.js';
import { progressConfigSchema } from '../src/config.js';
import { migrateProgress } from '../src/migrate.js';
import { ProgressRepository, type Completion } from '../src/progress.repository.js';

interface Result {
  name: string;
  completions: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const config = parseConfig(progressConfigSchema, process.env);
if (!config.DATABASE_URL) {
  process.stderr.write('DATABASE_URL is not set: this benchmark needs a real PostgreSQL server.\n');
  process.exit(1);
}
const writers = Number(process.env.BENCH_WRITERS ?? 200);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
/** Users of this run live in their own id range, so its rows can be told apart and removed. */
const firstUserId = 7_000_000_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1_000_000;
let nextUserId = firstUserId;

function nextCompletion(): Completion {
  nextUserId += 1;
  return {
    userId: nextUserId,
    lessonId: 1 + (nextUserId % 50),
    courseId: 1 + (nextUserId % 5),
    totalLessons: 10,
    enrol: false,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function measure(name: string, write: (completion: Completion) => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  const warmupEnds = performance.now() + 1_000;
  const ends = warmupEnds + seconds * 1_000;
  let measuredStart = 0;
  const writer = async () => {
    while (performance.now() < ends) {
      const startedAt = performance.now();
      await write(nextCompletion());
      const finishedAt = performance.now();
      if (startedAt >= warmupEnds) latencies.push(finishedAt - startedAt);
    }
  };
  setTimeout(() => (measuredStart = performance.now()), 1_000);
  await Promise.all(Array.from({ length: writers }, writer));
  const elapsedSeconds = (performance.now() - measuredStart) / 1_000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    completions: latencies.length,
    perSecond: Math.round(latencies.length / elapsedSeconds),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(2)),
  };
}

async function run(database: Database): Promise<Result[]> {
  const repository = new ProgressRepository(database);
  const batcher = new CompletionBatcher(
    async (completions) => {
      await repository.insertCompletions(completions);
    },
    {
      maxBatch: config.PROGRESS_BATCH_MAX,
      windowMs: config.PROGRESS_BATCH_WINDOW_MS,
      maxWrites: config.PROGRESS_BATCH_WRITES,
    },
  );
  const results: Result[] = [];
  results.push(
    await measure('single-row insert per completion (progress only)', async (completion) => {
      await database.query(
        `insert into progress.progress (user_id, lesson_id, course_id, completed_at) values ($1, $2, $3, now())
         on conflict (user_id, lesson_id) do nothing`,
        [completion.userId, completion.lessonId, completion.courseId],
      );
    }),
  );
  results.push(
    await measure('service statement per completion (progress + course_progress)', (completion) =>
      repository.insertCompletions([completion]).then(() => undefined),
    ),
  );
  results.push(
    await measure(
      `group commit (batch max ${config.PROGRESS_BATCH_MAX}, window ${config.PROGRESS_BATCH_WINDOW_MS} ms)`,
      (completion) => batcher.complete(completion),
    ),
  );
  await batcher.close();
  return results;
}

const database = await openDatabase(databaseOptions(config, 'lectern-progress-bench'));
try {
  await migrateProgress(database);
  const results = await run(database);
  const { rows } = await database.query<{ setting: string }>(
    "select current_setting('synchronous_commit') as setting",
  );
  process.stdout.write(
    `${writers} concurrent writers, ${seconds} s each, pool ${config.DB_POOL_SIZE}+${config.DB_MAX_OVERFLOW}, ` +
      `synchronous_commit=${rows[0]?.setting ?? '?'}\n`,
  );
  console.table(results);
  const single = results[0]?.perSecond ?? 1;
  const batched = results.at(-1)?.perSecond ?? 0;
  process.stdout.write(`group commit / single-row insert: ${(batched / single).toFixed(1)}x\n`);
} finally {
  await database.query('delete from progress.course_progress where user_id > $1 and user_id <= $2', [
    firstUserId,
    nextUserId,
  ]);
  await database.query('delete from progress.progress where user_id > $1 and user_id <= $2', [
    firstUserId,
    nextUserId,
  ]);
  await database.close();
}
