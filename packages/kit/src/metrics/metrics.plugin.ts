import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { httpRequestDuration, httpRequestsTotal, registry } from './metrics.js';

/** Route label for requests that matched no route: one value, so scanners cannot explode the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

function metricsPlugin(app: FastifyInstance, _options: unknown, done: (error?: Error) => void) {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    httpRequestsTotal.inc({ method: request.method, route, status_code: reply.statusCode });
    httpRequestDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
  done();
}

export const metrics = fp(metricsPlugin, { name: 'lectern-metrics', fastify: '5.x' });
