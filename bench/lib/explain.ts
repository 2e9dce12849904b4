// EXPLAIN (ANALYZE, BUFFERS) of the services' own statements, reduced to what grows with the data: rows the
// scans touched, shared buffers, execution time.
import type pg from 'pg';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Heap Fetches'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface PlanCost {
  /** Rows produced or filtered out by every scan node, times its loops. */
  rowsExamined: number;
  /** Shared buffers hit or read by the whole statement. */
  sharedBuffers: number;
  executionMs: number;
  /** "Index Only Scan on progress_user_completed_idx" etc., in plan order. */
  scans: string[];
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

/** The cost of one `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` answer. */
export function planCost(explained: unknown): PlanCost {
  const root = (Array.isArray(explained) ? explained[0] : explained) as
    { Plan?: PlanNode; 'Execution Time'?: number } | undefined;
  if (!root?.Plan) throw new Error('not an EXPLAIN (FORMAT JSON) answer');
  let rowsExamined = 0;
  const scans: string[] = [];
  walk(root.Plan, (node) => {
    if (!node['Node Type'].includes('Scan')) return;
    const loops = node['Actual Loops'] ?? 1;
    const touched =
      (node['Actual Rows'] ?? 0) +
      (node['Rows Removed by Filter'] ?? 0) +
      (node['Rows Removed by Index Recheck'] ?? 0);
    rowsExamined += touched * loops;
    const on = node['Index Name'] ?? node['Relation Name'];
    scans.push(on ? `${node['Node Type']} on ${on}` : node['Node Type']);
  });
  return {
    rowsExamined,
    sharedBuffers: (root.Plan['Shared Hit Blocks'] ?? 0) + (root.Plan['Shared Read Blocks'] ?? 0),
    executionMs: root['Execution Time'] ?? NaN,
    scans,
  };
}

export function addCosts(costs: readonly PlanCost[]): PlanCost {
  return {
    rowsExamined: costs.reduce((sum, cost) => sum + cost.rowsExamined, 0),
    sharedBuffers: costs.reduce((sum, cost) => sum + cost.sharedBuffers, 0),
    executionMs: costs.reduce((sum, cost) => sum + cost.executionMs, 0),
    scans: costs.flatMap((cost) => cost.scans),
  };
}

/** Runs the statement a few times first so the measured run is the warm one, as it is under load. */
export async function explain(client: pg.Client, text: string, params: unknown[]): Promise<PlanCost> {
  let cost: PlanCost | undefined;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(
      `explain (analyze, buffers, format json) ${text}`,
      params,
    );
    cost = planCost(rows[0]?.['QUERY PLAN']);
  }
  if (!cost) throw new Error('EXPLAIN returned nothing');
  return cost;
}
