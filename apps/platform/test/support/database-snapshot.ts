import { userTablesSql } from '../../src/db-transfer.js';

export type Query = (text: string) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * Every user table's first and last rows in a total order, and every sequence's position: what a dump and
 * its restore must both hold.
 */
export async function databaseSnapshot(query: Query): Promise<Record<string, unknown>> {
  const tables: Record<string, unknown> = {};
  // Rows as the server writes them (the drivers parse types such as interval differently), in one time zone.
  await query(`set time zone 'UTC'`);
  for (const { name } of (await query(userTablesSql)).rows) {
    const table = String(name);
    const first = await query(`select t::text as row from ${table} t order by t::text limit 3`);
    const last = await query(`select t::text as row from ${table} t order by t::text desc limit 3`);
    tables[table] = JSON.stringify([first.rows, last.rows]);
  }
  const sequences = await query(
    `select schemaname || '.' || sequencename as name, last_value from pg_sequences order by 1`,
  );
  return { tables, sequences: sequences.rows.map((row) => `${String(row.name)}=${String(row.last_value)}`) };
}
