export { openDatabase, statementName, type Database, type DatabaseOptions, type Db } from './database.js';
export { isDatabaseUnavailable } from './database-errors.js';
export { runMigrations } from './migrations.js';
export { containsPattern } from './like.js';
