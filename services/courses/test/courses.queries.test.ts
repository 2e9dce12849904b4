import type { Database } from '@lectern/kit';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coursePageQuery, type SqlQuery } from '../src/courses.repository.js';
import { createCourse, startStack, user, type CourseBody, type Stack } from './support.js';

/**
 * The seeded catalogue's owner. A fixed id (no user has it) lets a persistent database keep the 10,000 rows
 * from one run to the next instead of growing by 10,000 a run; other tests never assume the table's size.
 */
const seedOwnerId = 999_000_000_001;
const depth = 10_000;
/** Deeper than `depth` by a few pages, so the deep page is full. */
const seedSize = depth + 100;
const pageSize = 20;

let stack: Stack;
let database: Database;

beforeAll(async () => {
  stack = await startStack();
  database = stack.infrastructure.database;
  const { rows } = await database.query<{ count: string }>(
    'select count(*) as count from courses.courses where owner_id = $1',
    [seedOwnerId],
  );
  const missing = seedSize - Number(rows[0]?.count ?? 0);
  if (missing > 0) {
    await database.query(
      `insert into courses.courses (title, description, owner_id, published)
       select 'Seeded course ' || n, 'Generated catalogue entry number ' || n, $1, true
       from generate_series(1, $2::integer) as n`,
      [seedOwnerId, missing],
    );
  }
  await database.query('analyze courses.courses');
});

afterAll(async () => {
  await stack.close();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

type ExplainRow = Record<'QUERY PLAN', [{ Plan: PlanNode }] | string>;

function planOf(rows: unknown[]): PlanNode {
  const plan = (rows[0] as ExplainRow | undefined)?.['QUERY PLAN'];
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as [{ Plan: PlanNode }];
  return parsed[0].Plan;
}

/** EXPLAIN ANALYZE of the exact statement the repository runs, with its parameters. */
async function explain(query: SqlQuery): Promise<PlanNode> {
  const { rows } = await database.query(
    `explain (analyze, buffers, format json) ${query.text}`,
    query.params,
  );
  return planOf(rows);
}

/**
 * The same with sequential scans priced out, in one transaction (SET LOCAL): on a table this small a Seq Scan
 * is cheaper and the planner rightly picks it; this shows the statement can use the index as the table grows.
 */
async function explainWithoutSeqScan(query: SqlQuery): Promise<PlanNode> {
  const parts = query.text.split(/\$(\d+)/);
  const statement = sql.join(
    parts.map((part, index) => (index % 2 === 0 ? sql.raw(part) : sql`${query.params[Number(part) - 1]}`)),
  );
  return database.db.transaction(async (tx) => {
    // On a test-sized table a sequential scan, or a walk of the primary key in id order, looks cheaper than the
    // trigram bitmap the planner picks on a real catalog (100,000 courses, bench/README.md): rule both out.
    await tx.execute(sql`set local enable_seqscan = off`);
    await tx.execute(sql`set local enable_indexscan = off`);
    const result = (await tx.execute(sql`explain (analyze, buffers, format json) ${statement}`)) as {
      rows: unknown[];
    };
    return planOf(result.rows);
  });
}

function* nodes(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* nodes(child);
}

/** The page's own subtree: the statement's Limit node (the total's count is the other branch). */
function pageOf(plan: PlanNode): PlanNode {
  const limit = [...nodes(plan)].find((node) => node['Node Type'] === 'Limit');
  if (!limit) throw new Error(`no Limit node in ${JSON.stringify(plan)}`);
  return limit;
}

/** Rows the scans of courses read, whether they passed the filters or not. */
function rowsExamined(node: PlanNode): number {
  let examined = 0;
  for (const scan of nodes(node)) {
    if (scan['Relation Name'] !== 'courses') continue;
    const read =
      scan['Actual Rows'] +
      (scan['Rows Removed by Filter'] ?? 0) +
      (scan['Rows Removed by Index Recheck'] ?? 0);
    examined += read * scan['Actual Loops'];
  }
  return examined;
}

function buffers(node: PlanNode): number {
  return (node['Shared Hit Blocks'] ?? 0) + (node['Shared Read Blocks'] ?? 0);
}

async function idAtDepth(depth: number): Promise<number> {
  const { rows } = await database.query<{ id: string }>(
    'select id from courses.courses where published order by id offset $1 limit 1',
    [depth - 1],
  );
  return Number(rows[0]?.id);
}

describe('deep pages', () => {
  it('when a page 10,000 courses deep is read by cursor, then it reads about what page one reads', async () => {
    const deepId = await idAtDepth(depth);
    expect(deepId).toBeGreaterThan(0);
    const window = { limit: pageSize + 1, offset: 0 };
    const first = pageOf(await explain(coursePageQuery({ publishedOnly: true }, { ...window, afterId: 0 })));
    const deep = pageOf(
      await explain(coursePageQuery({ publishedOnly: true }, { ...window, afterId: deepId })),
    );

    expect(deep['Actual Rows']).toBe(pageSize + 1);
    expect(rowsExamined(deep)).toBeLessThanOrEqual(1.5 * Math.max(rowsExamined(first), pageSize + 1));
    expect(buffers(deep)).toBeLessThanOrEqual(1.5 * Math.max(buffers(first), 4));
  });

  it('when the same depth is read by offset instead, then it reads the 10,000 rows before it (what cursors avoid)', async () => {
    const window = { limit: pageSize + 1, afterId: 0 };
    const first = pageOf(await explain(coursePageQuery({ publishedOnly: true }, { ...window, offset: 0 })));
    const deep = pageOf(
      await explain(coursePageQuery({ publishedOnly: true }, { ...window, offset: depth })),
    );
    expect(rowsExamined(deep)).toBeGreaterThan(depth);
    expect(rowsExamined(deep)).toBeGreaterThan(50 * rowsExamined(first));
  });

  it('when the API is walked by cursor from 10,000 deep, then the pages continue in id order', async () => {
    const deepId = await idAtDepth(depth);
    const cursor = Buffer.from(String(deepId)).toString('base64url');
    const response = await stack.app.inject({ url: `/api/courses?limit=${pageSize}&cursor=${cursor}` });
    expect(response.statusCode).toBe(200);
    const ids = response.json<CourseBody[]>().map((course) => course.id);
    expect(ids[0]).toBeGreaterThan(deepId);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(Number(response.headers['x-total-count'])).toBeGreaterThanOrEqual(seedSize);
  });
});

describe('search', () => {
  it('when q is given, then the statement finds the matches through the trigram index, not a sequential scan', async () => {
    const owner = await user('instructor');
    const token = Array.from({ length: 7 }, () => 'jqvwxz'.charAt(Math.floor(Math.random() * 6))).join('');
    await createCourse(stack.app, owner, { title: `Course about ${token}` });
    const plan = await explainWithoutSeqScan(
      coursePageQuery({ publishedOnly: true, search: token }, { limit: pageSize + 1, offset: 0, afterId: 0 }),
    );
    const scans = [...nodes(plan)].filter(
      (node) => node['Relation Name'] === 'courses' || node['Index Name'],
    );
    expect(scans.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(
      scans.some(
        (node) =>
          node['Node Type'] === 'Bitmap Index Scan' && node['Index Name'] === 'courses_title_trgm_idx',
      ),
    ).toBe(true);
    expect(pageOf(plan)['Actual Rows']).toBe(1);
  });
});
