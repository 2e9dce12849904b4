export { DependencyMonitor, type WarnLogger } from './dependency-monitor.js';
export {
  health,
  Readiness,
  type DependencyState,
  type ReadinessCheck,
  type ReadinessReport,
} from './health.plugin.js';
