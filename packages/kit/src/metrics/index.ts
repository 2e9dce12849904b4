export * from './metrics.js';
export { metrics, UNMATCHED_ROUTE } from './metrics.plugin.js';
