export { loggerOptions, requestIdFrom, requestLogging } from './logging.js';
