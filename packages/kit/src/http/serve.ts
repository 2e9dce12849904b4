import type { FastifyInstance } from 'fastify';
import type { BaseConfig } from '../config/config.js';

/**
 * Listens, then on SIGTERM or SIGINT: readiness turns 503, the server stops accepting, in-flight requests get
 * SHUTDOWN_GRACE_MS to finish, onClose hooks close pools, and the process exits 0 (1 if the drain overran).
 */
export async function serve(app: FastifyInstance, config: BaseConfig): Promise<string> {
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ event: 'shutdown', signal }, 'draining');
    app.readiness.draining = true;
    const deadline = setTimeout(() => {
      app.log.error({ event: 'shutdown', signal }, 'drain exceeded SHUTDOWN_GRACE_MS; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    deadline.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return address;
}
