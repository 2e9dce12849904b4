// R2: the least an app server can do for an authenticated catalog page that is not in its memory: GET the
// prebuilt bytes from Redis, in the coding the client accepts (compressed once, when they were stored), and
// send them. Fastify with no plugins, no logging, no validation.
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { referenceCoding, referenceKey } from './coding.js';

const port = Number(process.env.PORT);
const redisUrl = process.env.REDIS_URL;
const key = process.env.R2_KEY;
if (!Number.isInteger(port) || !redisUrl || !key) {
  console.error('R2 needs PORT, REDIS_URL and R2_KEY');
  process.exit(2);
}

const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });

app.get('/api/courses', async (request, reply) => {
  const coding = referenceCoding(request.headers['accept-encoding']);
  const body = await redis.getBuffer(referenceKey(key, coding));
  if (body === null) return reply.code(503).send({ detail: 'the catalog bytes are missing from Redis' });
  if (coding !== 'identity') void reply.header('content-encoding', coding);
  return reply.header('vary', 'Accept-Encoding').type('application/json; charset=utf-8').send(body);
});

await app.listen({ host: '127.0.0.1', port });
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => redis.quit())
    .finally(() => process.exit(0));
});
