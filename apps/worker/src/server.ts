import { loadConfig, serve } from '@lectern/kit';
import { buildWorker } from './app.js';
import { workerConfigSchema } from './config.js';

const config = loadConfig(workerConfigSchema);
const { app } = await buildWorker(config);
await serve(app, config);
