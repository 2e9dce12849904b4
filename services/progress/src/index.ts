export { buildApp, type BuildAppOverrides } from './app.js';
export { progressConfigSchema, type ProgressConfig } from './config.js';
export {
  CoursesClient,
  courseOutlinesNamespace,
  httpFetchCourses,
  type CourseOutline,
  type CoursesResponse,
  type FetchCourses,
  type LessonRef,
} from './courses.client.js';
export { migrateProgress } from './migrate.js';
export { progressService, type ProgressServiceOptions } from './plugin.js';
export { registerProgressJobs } from './jobs/progress.jobs.js';
export { analyticsSql } from './analytics/analytics.repository.js';
