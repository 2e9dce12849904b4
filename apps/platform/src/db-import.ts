import { loadConfig } from '@lectern/kit';
import { platformConfigSchema } from './config.js';
import { importDump, TransferError } from './db-transfer.js';

/** `DATABASE_URL=… npm run db:import -- FILE [--replace]`: a db:export (or pg_dump) file into PostgreSQL. */
const usage = 'usage: DATABASE_URL=postgres://… npm run db:import -- <file.sql> [--replace]';
const args = process.argv.slice(2);
const replace = args.includes('--replace');
const files = args.filter((arg) => arg !== '--replace');
const config = loadConfig(platformConfigSchema);
try {
  const file = files[0];
  if (file === undefined || files.length > 1 || file.startsWith('--')) throw new TransferError(usage);
  if (!config.DATABASE_URL) throw new TransferError(`DATABASE_URL is not set\n${usage}`);
  const counts = await importDump(config.DATABASE_URL, file, { replace });
  const rows = counts.reduce((sum, table) => sum + table.rows, 0);
  const lines = [`imported ${counts.length} tables, ${rows} rows from ${file}`];
  for (const { table, rows: count } of counts) lines.push(`  ${table.padEnd(36)} ${count}`);
  lines.push('Start the platform or the cluster with this DATABASE_URL: pending migrations run at start.');
  console.log(lines.join('\n'));
} catch (error) {
  if (!(error instanceof TransferError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
