export { createRedis, pingRedis, type RedisClientOptions } from './redis.js';
