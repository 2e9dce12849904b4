export { authService, type AuthServiceOptions } from './plugin.js';
export { authConfigSchema, type AuthConfig } from './config.js';
export { migrateAuth } from './migrate.js';
export { buildApp, type BuildAppOverrides } from './app.js';
export {
  generatedKeyFile,
  loadAuthKeys,
  type AuthKeys,
  type AuthKeysConfig,
  type AuthKeysSource,
} from './signing-keys.js';
export {
  bootstrapAdmin,
  createAccount,
  deleteAccounts,
  findAccounts,
  ensureAdmin,
  generatePassword,
  hashParameters,
  AdminPasswordMissingError,
  type AccountOptions,
  type AdminBootstrapConfig,
  type EnsureAdminResult,
} from './accounts.js';
export type { Account, NewAccount } from './users.service.js';
export { OWASP_ARGON2ID, type PasswordHashParameters } from './password.hasher.js';
export { registerAuthJobs, type AuthJobsConfig } from './jobs/auth.jobs.js';
