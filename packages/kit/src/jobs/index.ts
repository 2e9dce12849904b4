export {
  JobQueue,
  type DeadJob,
  type JobContext,
  type JobDefinition,
  type JobExecutor,
  type JobLog,
  type JobQueueOptions,
  type QueueState,
} from './jobs.js';
