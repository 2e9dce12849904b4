import { loadConfig, serve } from '@lectern/kit';
import { buildApp } from './app.js';
import { coursesConfigSchema } from './config.js';

const config = loadConfig(coursesConfigSchema);
const app = await buildApp(config);
await serve(app, config);
