// The seeded dataset: sizes, how rows are made (set-based SQL, never row by row), how seed-owned rows are
// recognised (an email domain and a title prefix) and removed, and what the benchmark reads back from it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const seedDomain = 'seed.lectern.test';
export const seedTitlePrefix = '[seed] ';
/** Every seeded account has this password (one precomputed argon2id hash is shared by all of them). */
export const seedPassword = 'seed-password-lectern-bench';
export const lightUserEmail = `light@${seedDomain}`;
export const heavyUserEmail = `heavy@${seedDomain}`;

const emailLike = `%@${seedDomain}`;
const titleLike = `${seedTitlePrefix}%`;

export interface SeedSizes {
  courses: number;
  lessons: number;
  /** Accounts: 1 % instructors (course owners), the rest students; plus the light and heavy users. */
  users: number;
  /** Completions spread evenly over the students (the light and heavy users come on top). */
  progress: number;
  /** Completions of the light and heavy users, for the cost-growth report. */
  light: number;
  heavy: number;
}

export const defaultSizes: SeedSizes = {
  courses: 2_000,
  lessons: 20_000,
  users: 2_000,
  progress: 100_000,
  light: 10,
  heavy: 10_000,
};

export interface PasswordHashParameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface SeedInfo {
  sizes: SeedSizes;
  counts: Record<string, number>;
  hashParameters: PasswordHashParameters;
  seededAt: string;
  seconds: number;
}

type Log = (line: string) => void;

/** Rejects sizes the generator cannot honour (every course needs a lesson, the catalog an instructor). */
export function validateSizes(sizes: SeedSizes): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(value) || value < 0) problems.push(`--${name} must be a whole number ≥ 0`);
  }
  if (sizes.courses < 1) problems.push('--courses must be at least 1');
  if (sizes.lessons < sizes.courses) problems.push('--lessons must be at least --courses (one per course)');
  if (sizes.users < 2) problems.push('--users must be at least 2 (an instructor and a student)');
  return problems;
}

/** 1 % of the accounts own the courses (at least one). */
export function instructorCount(users: number): number {
  return Math.max(1, Math.floor(users / 100));
}

/** A prime not dividing `modulus`: stepping by it visits every residue before repeating one. */
export function coprimeStride(modulus: number): number {
  for (const prime of [7_919, 104_729, 1_299_709, 15_485_863]) if (modulus % prime !== 0) return prime;
  return 1;
}

export function openClient(databaseUrl: string): pg.Client {
  return new pg.Client({ connectionString: databaseUrl, application_name: 'lectern-bench' });
}

/** Every service's migrations, through the platform's built entry point (as the cluster runs them). */
export function migrate(databaseUrl: string, root = resolve('.')): void {
  const dataDir = mkdtempSync(join(tmpdir(), 'lectern-bench-migrate-'));
  try {
    const result = spawnSync(process.execPath, [join(root, 'apps/platform/dist/migrate.js')], {
      env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(
        `migrations failed (is the back end built? npm run build):\n${result.stderr || result.stdout}`,
      );
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The bench's own schema: seed bookkeeping and the reference upsert table (shaped like progress.progress). */
export async function ensureBenchSchema(client: pg.Client): Promise<void> {
  await client.query('create schema if not exists bench');
  await client.query(`create table if not exists bench.seed_info (
    id integer primary key default 1 check (id = 1),
    info jsonb not null)`);
  await client.query('create table if not exists bench.progress_ref (like progress.progress including all)');
}

export async function readSeedInfo(client: pg.Client): Promise<SeedInfo | null> {
  const exists = await client.query<{ found: boolean }>(
    "select to_regclass('bench.seed_info') is not null as found",
  );
  if (!exists.rows[0]?.found) return null;
  const { rows } = await client.query<{ info: SeedInfo }>('select info from bench.seed_info where id = 1');
  return rows[0]?.info ?? null;
}

export async function countSeedRows(client: pg.Client): Promise<Record<string, number>> {
  const { rows } = await client.query<Record<string, string>>(
    `select
       (select count(*) from auth.users where email like $1) as users,
       (select count(*) from courses.courses where title like $2) as courses,
       (select coalesce(sum(lessons_count), 0) from courses.courses where title like $2) as lessons,
       (select count(*) from progress.progress p join auth.users u on u.id = p.user_id
          where u.email like $1) as progress,
       (select count(*) from progress.course_progress p join auth.users u on u.id = p.user_id
          where u.email like $1) as course_progress,
       (select count(*) from progress.enrollments e join auth.users u on u.id = e.user_id
          where u.email like $1) as enrollments`,
    [emailLike, titleLike],
  );
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([key, value]) => [key, Number(value)]));
}

/** Deletes seed-owned rows only: accounts of the seed domain (and their progress), courses of the title prefix. */
export async function resetSeed(client: pg.Client, log: Log): Promise<void> {
  const started = performance.now();
  const seedUsers = 'select id from auth.users where email like $1';
  const seedCourses = 'select id from courses.courses where title like $1';
  const steps: [string, string, string[]][] = [
    ['enrollments', `delete from progress.enrollments where user_id in (${seedUsers})`, [emailLike]],
    ['course_seats', `delete from progress.course_seats where course_id in (${seedCourses})`, [titleLike]],
    ['lesson_stats', `delete from progress.lesson_stats where course_id in (${seedCourses})`, [titleLike]],
    ['course_stats', `delete from progress.course_stats where course_id in (${seedCourses})`, [titleLike]],
    ['course_progress', `delete from progress.course_progress where user_id in (${seedUsers})`, [emailLike]],
    ['progress', `delete from progress.progress where user_id in (${seedUsers})`, [emailLike]],
    [
      'lessons',
      'delete from courses.lessons where course_id in (select id from courses.courses where title like $1)',
      [titleLike],
    ],
    ['courses', 'delete from courses.courses where title like $1', [titleLike]],
    ['users (and their refresh tokens)', 'delete from auth.users where email like $1', [emailLike]],
  ];
  for (const [name, text, params] of steps) {
    const result = await client.query(text, params);
    log(`  deleted ${result.rowCount ?? 0} ${name}`);
  }
  await client.query('delete from bench.seed_info');
  await client.query('truncate bench.progress_ref');
  log(`reset in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const topics = [
  'TypeScript from scratch',
  'PostgreSQL performance',
  'Distributed systems',
  'Linear algebra',
  'Machine learning basics',
  'Web accessibility',
  'Rust for web developers',
  'Statistics with R',
  'Modern CSS layouts',
  'Operating systems',
  'Compilers in practice',
  'Product design',
];

/**
 * Loads the dataset with set-based statements (INSERT … SELECT FROM generate_series), in chunks so the
 * progress shows, keeping the services' invariants: lessons have contiguous positions 1..n per course and
 * courses.lessons_count = n; every progress row names its lesson's course; course_progress holds, per user
 * and course, the count and the first and last completion times of that user's progress rows; every learner
 * with a completion in a course is enrolled in it (seat counters count them); lesson_stats and
 * course_stats.started count the completions and the learners who started, as the completion statement does.
 */
export async function seed(
  client: pg.Client,
  sizes: SeedSizes,
  passwordHash: string,
  hashParameters: PasswordHashParameters,
  log: Log,
): Promise<SeedInfo> {
  const started = performance.now();
  const step = async (label: string, work: () => Promise<number>) => {
    const begun = performance.now();
    const rows = await work();
    log(
      `  ${label}: ${rows.toLocaleString('en-US')} rows in ${((performance.now() - begun) / 1000).toFixed(1)} s`,
    );
  };
  await client.query("set synchronous_commit = off; set work_mem = '64MB'");

  const instructors = instructorCount(sizes.users);
  const students = sizes.users - instructors;
  await step('users', async () => {
    const result = await client.query(
      `insert into auth.users (email, password_hash, role)
       select case when n <= $2 then 'instructor-' || n else 'student-' || (n - $2) end || '@' || $3::text,
              $1::text, case when n <= $2 then 'instructor' else 'student' end
       from generate_series(1, $4::integer) n
       union all select $5::text, $1::text, 'student'
       union all select $6::text, $1::text, 'student'`,
      [passwordHash, instructors, seedDomain, sizes.users, lightUserEmail, heavyUserEmail],
    );
    return result.rowCount ?? 0;
  });
  const owners = (
    await client.query<{ id: string }>(
      "select id from auth.users where email like $1 and role = 'instructor' order by id",
      [emailLike],
    )
  ).rows.map((row) => row.id);

  const base = Math.floor(sizes.lessons / sizes.courses);
  const extra = sizes.lessons % sizes.courses;
  const chunk = 50_000;
  await step('courses', async () => {
    let total = 0;
    for (let from = 1; from <= sizes.courses; from += chunk) {
      const to = Math.min(sizes.courses, from + chunk - 1);
      // Every 50th course is a draft; descriptions vary in length like real ones (~150-400 characters).
      const result = await client.query(
        `insert into courses.courses (title, description, owner_id, published, lessons_count, created_at, updated_at)
         select $1 || 'Course ' || n || ': ' || ($2::text[])[1 + n % cardinality($2::text[])],
                'A practical course on ' || lower(($2::text[])[1 + n % cardinality($2::text[])]) ||
                  '. ' || repeat('Hands-on exercises, worked examples and short quizzes. ', 2 + n % 5),
                ($3::bigint[])[1 + n % cardinality($3::bigint[])],
                n % 50 <> 0,
                $4 + (n <= $5)::integer,
                now() - make_interval(mins => $6 - n), now() - make_interval(mins => $6 - n)
         from generate_series($7::integer, $8::integer) n`,
        [seedTitlePrefix, topics, owners, base, extra, sizes.courses, from, to],
      );
      total += result.rowCount ?? 0;
    }
    return total;
  });

  const range = await client.query<{ low: string; high: string }>(
    'select min(id) as low, max(id) as high from courses.courses where title like $1',
    [titleLike],
  );
  const low = Number(range.rows[0]?.low ?? 0);
  const high = Number(range.rows[0]?.high ?? -1);
  await step('lessons', async () => {
    let total = 0;
    const coursesPerChunk = Math.max(1, Math.floor(200_000 / Math.max(1, base)));
    for (let from = low; from <= high; from += coursesPerChunk) {
      const result = await client.query(
        `insert into courses.lessons (course_id, title, content, "order", created_at, updated_at)
         select c.id, 'Lesson ' || o || ' of course ' || c.id,
                '# Lesson ' || o || E'\n\n' || repeat('Read the example, then try it yourself. ', 3 + o % 4) ||
                  E'\n\n\`\`\`ts\nconst answer = ' || o || E';\n\`\`\`\n',
                o, c.created_at, c.created_at
         from courses.courses c cross join lateral generate_series(1, c.lessons_count) o
         where c.title like $1 and c.id >= $2 and c.id < $3`,
        [titleLike, from, from + coursesPerChunk],
      );
      total += result.rowCount ?? 0;
    }
    return total;
  });

  // Completions: student i completes, in order, the first lessons of a sequence of distinct published courses
  // (course index i·7919 + slot·stride mod the course count; stride is coprime with it, so no course repeats).
  await client.query('begin');
  try {
    await client.query(
      `create temp table seed_courses on commit drop as
       select id, (row_number() over (order by id) - 1)::bigint as idx from courses.courses
       where title like $1 and published`,
      [titleLike],
    );
    await client.query('create index on seed_courses (idx)');
    const publishedCourses = Number(
      (await client.query<{ count: string }>('select count(*) from seed_courses')).rows[0]?.count ?? 0,
    );
    const perCourse = Math.max(1, base);
    const most = publishedCourses * perCourse;
    const perStudent = Math.floor(sizes.progress / Math.max(1, students));
    const extraStudents = sizes.progress % Math.max(1, students);
    await client.query(
      `create temp table seed_students on commit drop as
       select id, (row_number() over (order by id) - 1)::bigint as idx,
              least($2::bigint, $3::bigint + ((row_number() over (order by id) - 1) < $4::bigint)::integer) as m
       from auth.users where email like 'student-%' || $1`,
      [`@${seedDomain}`, most, perStudent, extraStudents],
    );
    await client.query(
      `insert into seed_students (id, idx, m)
       select id, $1::bigint + (email = $3::text)::integer,
              least($2::bigint, case when email = $3::text then $4::bigint else $5::bigint end)
       from auth.users where email in ($3::text, $6::text)`,
      [students, most, heavyUserEmail, sizes.heavy, sizes.light, lightUserEmail],
    );
    await client.query('create index on seed_students (idx)');
    const stride = coprimeStride(publishedCourses);
    const studentsPerChunk = Math.max(1, Math.floor(250_000 / Math.max(1, perStudent)));
    await step('progress', async () => {
      let total = 0;
      for (let from = 0; from < students + 2; from += studentsPerChunk) {
        const result = await client.query(
          `insert into progress.progress (user_id, lesson_id, course_id, completed_at)
           select s.id, l.id, l.course_id,
                  now() - make_interval(mins => (s.m - j)::integer) - make_interval(secs => (s.idx % 3600)::integer)
           from seed_students s
           cross join lateral generate_series(0, s.m - 1) j
           join seed_courses c on c.idx = (s.idx * 7919 + (j / $1) * $2) % $3
           join courses.lessons l on l.course_id = c.id and l."order" = j % $1 + 1
           where s.idx >= $4 and s.idx < $5`,
          [perCourse, stride, publishedCourses, from, from + studentsPerChunk],
        );
        total += result.rowCount ?? 0;
      }
      return total;
    });
    await step('course_progress', async () => {
      const result = await client.query(
        `insert into progress.course_progress (user_id, course_id, started_at, last_completed_at, completed_count)
         select p.user_id, p.course_id, min(p.completed_at), max(p.completed_at), count(*)
         from progress.progress p join seed_students s on s.id = p.user_id
         group by p.user_id, p.course_id`,
      );
      return result.rowCount ?? 0;
    });
    // What the services' writes keep beside the completions: a learner's first completion in an open course
    // enrols them (enrolments and the seat counter), and the completion statement bumps lesson_stats and
    // course_stats.started. No certificate is issued by the seed (each is a signed credential), so
    // course_stats.completed and course_completion_days stay empty, as they are before any issue.
    await step('enrollments', async () => {
      const result = await client.query(
        `insert into progress.enrollments (course_id, user_id, enrolled_at)
         select cp.course_id, cp.user_id, cp.started_at
         from progress.course_progress cp join seed_students s on s.id = cp.user_id`,
      );
      return result.rowCount ?? 0;
    });
    await step('course_seats', async () => {
      const result = await client.query(
        `insert into progress.course_seats as seats (course_id, taken)
         select c.id, count(*) from progress.enrollments e join seed_courses c on c.id = e.course_id
         group by c.id
         on conflict (course_id) do update set taken = excluded.taken`,
      );
      return result.rowCount ?? 0;
    });
    await step('lesson_stats', async () => {
      const result = await client.query(
        `insert into progress.lesson_stats as stats (lesson_id, course_id, completed)
         select p.lesson_id, min(p.course_id), count(*) from progress.progress p
         join seed_courses c on c.id = p.course_id
         group by p.lesson_id
         on conflict (lesson_id) do update set completed = excluded.completed`,
      );
      return result.rowCount ?? 0;
    });
    await step('course_stats', async () => {
      const result = await client.query(
        `insert into progress.course_stats as stats (course_id, started, completed)
         select cp.course_id, count(*), 0 from progress.course_progress cp
         join seed_courses c on c.id = cp.course_id
         group by cp.course_id
         on conflict (course_id) do update set started = excluded.started`,
      );
      return result.rowCount ?? 0;
    });
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }

  const vacuumStarted = performance.now();
  await client.query(
    'vacuum (analyze) auth.users, courses.courses, courses.lessons, progress.progress, progress.course_progress, ' +
      'progress.enrollments, progress.course_seats, progress.lesson_stats, progress.course_stats',
  );
  log(`  vacuum analyze in ${((performance.now() - vacuumStarted) / 1000).toFixed(1)} s`);

  const info: SeedInfo = {
    sizes,
    counts: await countSeedRows(client),
    hashParameters,
    seededAt: new Date().toISOString(),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  await client.query(
    'insert into bench.seed_info (id, info) values (1, $1) on conflict (id) do update set info = excluded.info',
    [JSON.stringify(info)],
  );
  return info;
}
