import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { generatedKeyFile } from '@lectern/auth';
import { loadConfig } from '@lectern/kit';
import { platformConfigSchema } from './config.js';
import { exportEmbedded, TransferError } from './db-transfer.js';

/** `DATA_DIR=… npm run db:export -- FILE`: the embedded database to a plain SQL file for `npm run db:import`. */
const usage = 'usage: DATA_DIR=<folder> npm run db:export -- <file.sql>';
const file = process.argv[2];
const config = loadConfig(platformConfigSchema);
try {
  if (file === undefined || process.argv.length > 3) throw new TransferError(usage);
  if (config.DATABASE_URL) {
    throw new TransferError(
      'DATABASE_URL is set: db:export reads the embedded database; use pg_dump for a server',
    );
  }
  if (config.DATA_DIR.includes('://'))
    throw new TransferError(`DATA_DIR=${config.DATA_DIR} keeps nothing to export`);
  const counts = await exportEmbedded(resolve(config.DATA_DIR, 'pglite'), file);
  const rows = counts.reduce((sum, table) => sum + table.rows, 0);
  const lines = [`exported ${counts.length} tables, ${rows} rows to ${file}`];
  for (const { table, rows: count } of counts) lines.push(`  ${table.padEnd(36)} ${count}`);
  const key = generatedKeyFile(resolve(config.DATA_DIR));
  if (existsSync(key)) {
    lines.push(
      `The access-token signing key is not in the dump: ${key}.`,
      'Give it to the servers as JWT_PRIVATE_KEY_FILE (or copy the keys/ folder into their DATA_DIR), or',
      'access tokens issued before the move stop verifying (refresh tokens live in the database and keep working).',
    );
  }
  console.log(lines.join('\n'));
} catch (error) {
  if (!(error instanceof TransferError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
