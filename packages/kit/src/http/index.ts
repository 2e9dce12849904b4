export { createHttpApp, type HttpApp, type HttpAppOptions } from './app.js';
export { sendCached, type CachedResponseOptions } from './cached-response.js';
export { serve } from './serve.js';
