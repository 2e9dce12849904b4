export * from './internal-api.js';
