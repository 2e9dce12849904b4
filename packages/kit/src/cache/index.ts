export { Cache, computeEtag, type CacheEntry, type CacheLoadResult, type CacheOptions } from './cache.js';
