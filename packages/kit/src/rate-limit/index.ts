export { rateLimits, userOrIpKey, type RateLimitOptions } from './rate-limit.js';
