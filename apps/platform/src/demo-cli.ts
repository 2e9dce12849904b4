import { deleteAccounts } from '@lectern/auth';
import { databaseOptions, loadConfig, openDatabase } from '@lectern/kit';
import { migrateAll } from './app.js';
import { platformConfigSchema } from './config.js';
import { demoLogins } from './demo-data.js';

/** `npm run demo:remove`: deletes the demo accounts (published passwords) from the configured database. */
const config = loadConfig(platformConfigSchema);
const database = await openDatabase(databaseOptions(config, 'lectern-demo-remove'));
try {
  await migrateAll(database);
  const removed = await deleteAccounts(
    database,
    demoLogins.map((login) => login.email),
  );
  console.log(
    removed.length === 0
      ? 'no demo accounts found'
      : `removed the demo accounts: ${removed.join(', ')} (their courses stay; an admin can delete them)`,
  );
} finally {
  await database.close();
}
