import { ConfigError, loadConfig, mailFolder, serve } from '@lectern/kit';
import { buildPlatform } from './app.js';
import { platformConfigSchema } from './config.js';
import { demoDataWanted, demoLogins, seedDemoData } from './demo-data.js';

const config = loadConfig(platformConfigSchema);
const { app, infrastructure } = await buildPlatform(config).catch((error: unknown) => {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
await app.ready();
const demoData = demoDataWanted(config);
const seeded = demoData && (await seedDemoData(app, infrastructure.database, config));
const address = await serve(app, config);
const local = `http://localhost:${new URL(address).port}`;

const lines = [
  '',
  `  Lectern is running on ${local}`,
  `  API docs: ${local}/api/docs · health: ${local}/health/ready · metrics: ${local}/metrics`,
  config.SMTP_URL
    ? `  mail: sent through SMTP_URL, from ${config.MAIL_FROM}`
    : `  mail: no SMTP_URL, so mail is written to the log and to ${mailFolder(config.DATA_DIR)}/*.eml`,
  `  data: ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.DATA_DIR}`}, cache: ${config.REDIS_URL ? 'Redis (REDIS_URL)' : 'in-process'}`,
];
if (demoData) {
  lines.push(seeded ? '  demo data created; demo logins:' : '  demo logins (if you kept the demo data):');
  for (const login of demoLogins)
    lines.push(`    ${login.role.padEnd(10)} ${login.email} / ${login.password}`);
}
console.log(lines.join('\n') + '\n');
