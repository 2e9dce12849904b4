export * from './errors.js';
export { errorHandler, frameworkErrorAnswer, toAppError } from './error-handler.js';
export { problemSchema } from './problem-schema.js';
