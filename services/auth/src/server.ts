import { loadConfig, serve } from '@lectern/kit';
import { buildApp } from './app.js';
import { authConfigSchema } from './config.js';

const config = loadConfig(authConfigSchema);
const app = await buildApp(config);
await serve(app, config);
