import { loadAuthKeys } from '@lectern/auth';
import { loadConfig, openDatabase, databaseOptions } from '@lectern/kit';
import { migrateAll } from './app.js';
import { platformConfigSchema } from './config.js';

/** `npm run db:migrate`: every service's migrations, once, and the signing key when it lives in DATA_DIR. */
const config = loadConfig(platformConfigSchema);
const database = await openDatabase(databaseOptions(config, 'lectern-migrate'));
try {
  await migrateAll(database);
  await loadAuthKeys(config);
  console.log(`migrations applied to ${config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${config.DATA_DIR}`}`);
} finally {
  await database.close();
}
