import { loadConfig, serve } from '@lectern/kit';
import { buildApp } from './app.js';
import { progressConfigSchema } from './config.js';

const config = loadConfig(progressConfigSchema);
const app = await buildApp(config);
await serve(app, config);
