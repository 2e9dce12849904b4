import { parseArgs } from 'node:util';
import { AppError, ConfigError, loadConfig, openInfrastructure } from '@lectern/kit';
import { ensureAdmin, hashParameters } from './accounts.js';
import { authConfigSchema } from './config.js';
import { normalizeEmail } from './credentials.policy.js';
import { migrateAuth } from './migrate.js';

const usage = `Usage: npm run admin -- create EMAIL [--password PASSWORD]

  Makes EMAIL an admin. A new account gets PASSWORD, or a generated one printed once.
  An existing account is promoted and keeps its password.
  Uses the same settings as the service (DATABASE_URL, DATA_DIR, ...).`;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { password: { type: 'string' }, help: { type: 'boolean' } },
    });
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`, 2);
  }
})();
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const [command, email, ...rest] = positionals;
if (command !== 'create' || email === undefined || rest.length > 0) fail(usage, 2);

try {
  normalizeEmail(email);
} catch (error) {
  fail(error instanceof AppError ? error.message : String(error));
}

const config = loadConfig(authConfigSchema);
const infrastructure = await openInfrastructure(config, 'auth-cli');
try {
  await migrateAuth(infrastructure.database);
  const result = await ensureAdmin(
    infrastructure.database,
    { email, password: values.password, generate: true },
    { parameters: hashParameters(config) },
  );
  const { account } = result;
  if (!result.created) {
    process.stdout.write(`${account.email} (id ${account.id}) is an admin; its password is unchanged.\n`);
  } else if (result.generatedPassword !== undefined) {
    process.stdout.write(
      `Created admin ${account.email} (id ${account.id}).\nPassword (shown once): ${result.generatedPassword}\n`,
    );
  } else {
    process.stdout.write(`Created admin ${account.email} (id ${account.id}) with the given password.\n`);
  }
} catch (error) {
  if (error instanceof AppError || error instanceof ConfigError) fail(error.message);
  throw error;
} finally {
  await infrastructure.close();
}
