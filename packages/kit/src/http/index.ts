export { createHttpApp, type HttpApp, type HttpAppOptions } from './app.js';
export { perClientHeaders, sendCached, type CachedResponseOptions } from './cached-response.js';
export { preferredCoding } from './content-coding.js';
export { serve } from './serve.js';
export {
  httpInternalFetch,
  internalBody,
  type InternalFetch,
  type InternalRequest,
  type InternalResponse,
} from './internal-fetch.js';
