import { loadConfig, serve } from '@lectern/kit';
import { buildPlatform } from './app.js';
import { platformConfigSchema } from './config.js';
import { demoLogins, seedDemoData } from './demo-data.js';

const config = loadConfig(platformConfigSchema);
const { app, infrastructure } = await buildPlatform(config);
await app.ready();
const seeded = config.DEMO_DATA && (await seedDemoData(app, infrastructure.database, config));
const address = await serve(app, config);
const local = `http://localhost:${new URL(address).port}`;

const lines = [
  '',
  `  Lectern is running on ${local}`,
  `  API docs: ${local}/api/docs · health: ${local}/health/ready · metrics: ${local}/metrics`,
  `  data: ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.DATA_DIR}`}, cache: ${config.REDIS_URL ? 'Redis (REDIS_URL)' : 'in-process'}`,
];
if (config.DEMO_DATA) {
  lines.push(seeded ? '  demo data created; demo logins:' : '  demo logins (if you kept the demo data):');
  for (const login of demoLogins)
    lines.push(`    ${login.role.padEnd(10)} ${login.email} / ${login.password}`);
}
console.log(lines.join('\n') + '\n');
