export * from './errors.js';
export { errorHandler, toAppError } from './error-handler.js';
export { problemSchema } from './problem-schema.js';
