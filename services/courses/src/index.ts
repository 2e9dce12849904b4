export { buildApp, type BuildAppOverrides } from './app.js';
export { coursesConfigSchema, type CoursesConfig } from './config.js';
export { migrateCourses } from './migrate.js';
export { coursesService, type CoursesServiceOptions } from './plugin.js';
export {
  catalogNamespace,
  courseNamespace,
  outlinesNamespace,
  ownerCatalogNamespace,
} from './courses.service.js';
