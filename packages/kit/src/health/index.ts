export { health, Readiness, type DependencyState, type ReadinessCheck } from './health.plugin.js';
