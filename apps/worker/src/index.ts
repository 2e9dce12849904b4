export { buildWorker, type WorkerOverrides } from './app.js';
export { workerConfigSchema, type WorkerConfig } from './config.js';
