export { buildApp, type BuildAppOverrides } from './app.js';
export { assessmentsConfigSchema, type AssessmentsConfig } from './config.js';
export { migrateAssessments } from './migrate.js';
export { assessmentsService, type AssessmentsServiceOptions } from './plugin.js';
