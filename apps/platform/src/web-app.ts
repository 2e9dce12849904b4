import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errors } from '@lectern/kit';

/**
 * Serves the built web app: hashed assets cached for a year, index.html never cached, and index.html for any
 * other GET outside /api so client-side routes survive a reload. Absent a build, the API still runs.
 */
export async function registerWebApp(app: FastifyInstance, webRoot: string): Promise<boolean> {
  if (!existsSync(join(webRoot, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root: webRoot,
    wildcard: false,
    index: false,
    // The build wrote .br and .gz beside each hashed asset (apps/web/vite.config.ts): sent as they are.
    preCompressed: true,
    setHeaders(reply, path) {
      const cacheControl = path.includes('/assets/')
        ? 'public, max-age=31536000, immutable'
        : path.endsWith('index.html')
          ? 'no-cache'
          : 'public, max-age=300';
      void reply.header('cache-control', cacheControl);
    },
  });
  const sendIndex = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html');
  app.get('/', { schema: { hide: true }, config: { rateLimit: false } }, (_request, reply) =>
    sendIndex(reply),
  );
  app.get('/*', { schema: { hide: true }, config: { rateLimit: false } }, (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    if (path.startsWith('/api/') || path.startsWith('/internal/') || path.startsWith('/assets/')) {
      throw errors.routeNotFound(request.method, path);
    }
    return sendIndex(reply);
  });
  return true;
}
