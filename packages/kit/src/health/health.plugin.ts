import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export type DependencyState = 'up' | 'down' | 'disabled';

export interface ReadinessCheck {
  /** Checked with a timeout; throwing or timing out means down. */
  check: () => Promise<void>;
  /** A down critical dependency makes the process unready; a down optional one (Redis) only degrades it. */
  critical: boolean;
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck | null>();
  draining = false;

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** A dependency this process runs without (no REDIS_URL): reported, never checked. */
  disable(name: string): void {
    if (!this.checks.has(name)) this.checks.set(name, null);
  }

  async evaluate(
    timeoutMs = 1500,
  ): Promise<{ ready: boolean; dependencies: Record<string, DependencyState> }> {
    const dependencies: Record<string, DependencyState> = {};
    let ready = !this.draining;
    await Promise.all(
      [...this.checks].map(async ([name, entry]) => {
        if (!entry) {
          dependencies[name] = 'disabled';
          return;
        }
        const up = await withTimeout(entry.check(), timeoutMs).then(
          () => true,
          () => false,
        );
        dependencies[name] = up ? 'up' : 'down';
        if (!up && entry.critical) ready = false;
      }),
    );
    return { ready, dependencies };
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness;
  }
}

function healthPlugin(app: FastifyInstance, options: { aliases?: string[] }, done: (error?: Error) => void) {
  const readiness = new Readiness();
  app.decorate('readiness', readiness);

  const liveness = { status: 'ok' } as const;
  const livenessSchema = {
    tags: ['health'],
    summary: 'Liveness: the process answers; no I/O',
    response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
  };
  const routeConfig = { rateLimit: false };
  app.get('/health', { schema: livenessSchema, config: routeConfig }, () => liveness);
  for (const alias of options.aliases ?? []) {
    app.get(alias, { schema: livenessSchema, config: routeConfig }, () => liveness);
  }

  app.get(
    '/health/ready',
    {
      config: routeConfig,
      schema: {
        tags: ['health'],
        summary: "Readiness: each dependency's state; 503 when a critical one is down or while draining",
        response: {
          '2xx': readinessSchema,
          503: readinessSchema,
        },
      },
    },
    async (_request, reply) => {
      const { ready, dependencies } = await readiness.evaluate();
      const status = readiness.draining ? 'draining' : ready ? 'ok' : 'unavailable';
      return reply.code(ready ? 200 : 503).send({ status, dependencies });
    },
  );
  done();
}

const readinessSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    dependencies: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

export const health = fp(healthPlugin, { name: 'lectern-health', fastify: '5.x' });
