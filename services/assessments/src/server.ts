import { loadConfig, serve } from '@lectern/kit';
import { buildApp } from './app.js';
import { assessmentsConfigSchema } from './config.js';

const config = loadConfig(assessmentsConfigSchema);
const app = await buildApp(config);
await serve(app, config);
