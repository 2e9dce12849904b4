import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressSql } from '../src/progress.repository.js';
import {
  complete,
  createCourse,
  newUser,
  newUserId,
  startHarness,
  summary,
  type CourseFixture,
  type Harness,
  type TestUser,
} from './harness.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

let harness: Harness;
let instructor: TestUser;

beforeAll(async () => {
  harness = await startHarness();
  instructor = await newUser(harness, 'instructor');
});
afterAll(() => harness.close());

function* nodes(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* nodes(child);
}

/** Table rows the plan's scans read: returned plus filtered out, over all loops. */
async function rowsExamined(
  text: string,
  params: unknown[],
): Promise<{ rows: number; nodeTypes: string[]; plan: string }> {
  const { rows } = await harness.infrastructure.database.query<{ 'QUERY PLAN': unknown }>(
    `explain (analyze, format json) ${text}`,
    params,
  );
  const raw = rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }];
  let examined = 0;
  const nodeTypes: string[] = [];
  const steps: string[] = [];
  for (const node of nodes(plan[0].Plan)) {
    nodeTypes.push(node['Node Type']);
    steps.push(
      `${node['Node Type']} ${node['Index Name'] ?? node['Relation Name'] ?? ''} rows=${node['Actual Rows']}`,
    );
    if (node['Relation Name'] === undefined) continue;
    const removed = (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
    examined += (node['Actual Rows'] + removed) * node['Actual Loops'];
  }
  return { rows: examined, nodeTypes, plan: steps.join(' > ') };
}

/** 9,990 more completions over 100 other courses, written straight into the tables the way the batcher would. */
async function addHistory(userId: number): Promise<void> {
  const { database } = harness.infrastructure;
  const fakeIds = 4_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000) * 1_000;
  await database.query(
    `insert into progress.progress (user_id, lesson_id, course_id, completed_at)
     select $1, $2::bigint + g, $2::bigint + g % 100, now() - make_interval(secs => g)
     from generate_series(1, 9990) as g`,
    [userId, fakeIds],
  );
  await database.query(
    `insert into progress.course_progress (user_id, course_id, started_at, last_completed_at, completed_count)
     select user_id, course_id, min(completed_at), max(completed_at), count(*)
     from progress.progress where user_id = $1 and course_id >= $2
     group by user_id, course_id`,
    [userId, fakeIds],
  );
}

/** A popular course: `students` others have completed every lesson, as at a deadline. */
async function addCrowd(course: CourseFixture, students: number): Promise<void> {
  await harness.infrastructure.database.query(
    `insert into progress.progress (user_id, lesson_id, course_id, completed_at)
     select $1::bigint + student, lesson_id, $3, now()
     from generate_series(1, $4::int) as student, unnest($2::bigint[]) as lesson_id`,
    [newUserId(), course.lessonIds, course.id, students],
  );
}

/**
 * Other learners' enrolments in courses no test reads (ids far above real ones), so the table is as big as a
 * platform's: on a table of a few hundred rows a sequential scan is the planner's right choice, whatever the index.
 */
async function addOtherEnrolments(count: number): Promise<void> {
  const fakeCourses = 4_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000) * 1_000;
  await harness.infrastructure.database.query(
    `insert into progress.enrollments (course_id, user_id, enrolled_at)
     select $1::bigint + g % 1000, $2::bigint + g, now() - make_interval(secs => g)
     from generate_series(1, $3::int) as g`,
    [fakeCourses, newUserId(), count],
  );
}

/** What autovacuum does once tables have grown this much. */
async function analyze(): Promise<void> {
  await harness.infrastructure.database.query('analyze progress.progress');
  await harness.infrastructure.database.query('analyze progress.course_progress');
  await harness.infrastructure.database.query('analyze progress.enrollments');
}

/** What a course summary may read per lesson of the course, whatever the plan. */
const ROWS_PER_LESSON = 3;

describe('reading summaries', () => {
  it('when a user has 10,000 completions, then a course summary reads as few rows as with 10', async () => {
    const course = await createCourse(harness, instructor, 10);
    const light = await newUser(harness);
    const heavy = await newUser(harness);
    for (const lessonId of course.lessonIds) {
      await complete(harness.progress, light, lessonId);
      await complete(harness.progress, heavy, lessonId);
    }
    await addHistory(heavy.id);
    await addCrowd(course, 500);
    await analyze();

    const lightCost = await rowsExamined(progressSql.completionsOfLessons, [light.id, course.lessonIds]);
    const heavyCost = await rowsExamined(progressSql.completionsOfLessons, [heavy.id, course.lessonIds]);

    expect(lightCost.rows).toBeGreaterThan(0);
    // The planner may probe each lesson (2 rows per lesson: the wanted id and its match) or hash-join the
    // user's rows of the course; either way the rows read follow the course's lessons, not the user's history.
    const bound = Math.max(1.5 * lightCost.rows, ROWS_PER_LESSON * course.lessonIds.length);
    expect(heavyCost.rows, `${heavyCost.plan} vs ${lightCost.plan}`).toBeLessThanOrEqual(bound);
    expect(heavyCost.nodeTypes).not.toContain('Seq Scan');
    expect(await summary(harness.progress, heavy, course.id)).toMatchObject({
      completed_lesson_ids: course.lessonIds,
      percent: 100,
    });
  });

  it('when a user has 10,000 completions, then a page of /my or /my/courses reads about a page of rows', async () => {
    const course = await createCourse(harness, instructor, 10);
    const light = await newUser(harness);
    const heavy = await newUser(harness);
    for (const lessonId of course.lessonIds) {
      await complete(harness.progress, light, lessonId);
      await complete(harness.progress, heavy, lessonId);
    }
    await addHistory(heavy.id);
    await addOtherEnrolments(20_000);
    await analyze();

    const lightPage = await rowsExamined(progressSql.completionsPage, [light.id, 10, 0]);
    const heavyPage = await rowsExamined(progressSql.completionsPage, [heavy.id, 10, 0]);
    const coursesPage = await rowsExamined(progressSql.enrolledCoursesPage, [heavy.id, 10, 0]);

    expect(heavyPage.rows / lightPage.rows, `${heavyPage.plan} vs ${lightPage.plan}`).toBeLessThanOrEqual(
      1.5,
    );
    expect(heavyPage.nodeTypes).not.toContain('Sort');
    // The heavy user's history is completions, not enrolments: its /my/courses page is one enrolment, which the
    // planner may sort in memory; what matters is that it reads about a page of rows, not the history.
    expect(coursesPage.rows).toBeLessThanOrEqual(15);
    const mine = await harness.progress.inject({ url: '/api/progress/my?limit=5', headers: heavy.headers });
    expect(mine.headers['x-total-count']).toBe('10000');
  });

  it('when a batch of access checks reads earlier lessons of 10,000-completion learners, then it reads a few rows per pair', async () => {
    const course = await createCourse(harness, instructor, 10);
    const learners = [await newUser(harness), await newUser(harness)];
    for (const learner of learners) {
      for (const lessonId of course.lessonIds.slice(0, 5))
        await complete(harness.progress, learner, lessonId);
      await addHistory(learner.id);
    }
    await addCrowd(course, 500);
    await analyze();
    const pairs = learners.flatMap((learner) => course.lessonIds.map((lessonId) => ({ learner, lessonId })));

    const cost = await rowsExamined(progressSql.completedAmong, [
      pairs.map(({ learner }) => learner.id),
      pairs.map(({ lessonId }) => lessonId),
    ]);

    expect(cost.rows, cost.plan).toBeLessThanOrEqual(ROWS_PER_LESSON * pairs.length);
    expect(cost.nodeTypes).not.toContain('Seq Scan');
    const { rows } = await harness.infrastructure.database.query(progressSql.completedAmong, [
      pairs.map(({ learner }) => learner.id),
      pairs.map(({ lessonId }) => lessonId),
    ]);
    expect(rows).toHaveLength(2 * 5);
  });
});
