// R2: the least an app server can do for an authenticated catalog page that is not in its memory: GET the
// prebuilt JSON string from Redis and send it. Fastify with no plugins, no logging, no validation.
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT);
const redisUrl = process.env.REDIS_URL;
const key = process.env.R2_KEY;
if (!Number.isInteger(port) || !redisUrl || !key) {
  console.error('R2 needs PORT, REDIS_URL and R2_KEY');
  process.exit(2);
}

const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });

app.get('/api/courses', async (_request, reply) => {
  const body = await redis.get(key);
  if (body === null) return reply.code(503).send({ detail: 'the catalog string is missing from Redis' });
  return reply.type('application/json; charset=utf-8').send(body);
});

await app.listen({ host: '127.0.0.1', port });
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => redis.quit())
    .finally(() => process.exit(0));
});
