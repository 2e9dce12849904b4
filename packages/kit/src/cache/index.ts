export {
  Cache,
  createCacheEntry,
  type CacheEntry,
  type CacheGetOptions,
  type CacheLoadResult,
  type CacheOptions,
} from './cache.js';
export {
  computeEtag,
  contentCodings,
  minCompressedBodyBytes,
  type ContentCoding,
  type EncodedBodies,
  type EncodedBody,
} from './encoded-body.js';
