export { authService, type AuthServiceOptions } from './plugin.js';
export { authConfigSchema, type AuthConfig } from './config.js';
export { migrateAuth } from './migrate.js';
export { buildApp, type BuildAppOverrides } from './app.js';
export { loadAuthKeys, type AuthKeys, type AuthKeysConfig, type AuthKeysSource } from './signing-keys.js';
export {
  bootstrapAdmin,
  createAccount,
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
