export {
  openDatabase,
  openPglite,
  statementName,
  type Database,
  type DatabaseOptions,
  type Db,
} from './database.js';
export { isDatabaseUnavailable } from './database-errors.js';
export { runMigrations } from './migrations.js';
export { containsPattern } from './like.js';
export {
  freshness,
  parseLsn,
  RecentWrites,
  ReplicaMonitor,
  type ReadOptions,
  type ReplicaStatus,
} from './read-routing.js';
