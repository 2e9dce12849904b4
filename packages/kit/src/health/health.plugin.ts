import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export type DependencyState = 'up' | 'down' | 'disabled';

export interface ReadinessCheck {
  /** Checked with a timeout; throwing or timing out means down. */
  check: () => Promise<void>;
  /** A down critical dependency makes the process unready; a down optional one (Redis) only degrades it. */
  critical: boolean;
}

export interface ReadinessReport {
  ready: boolean;
  dependencies: Record<string, DependencyState>;
  /** Why the process runs degraded: each optional dependency that is down, and each reason set by name. */
  degraded: string[];
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck | null>();
  private readonly degradedReasons = new Set<string>();
  draining = false;

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** A dependency this process runs without (no REDIS_URL): reported, never checked. */
  disable(name: string): void {
    if (!this.checks.has(name)) this.checks.set(name, null);
  }

  /**
   * Marks the process degraded for a named reason (`rate_limit_fallback`…) or clears it: /health/ready then
   * says `degraded` and lists the reason, still with 200, since the process serves.
   */
  setDegraded(reason: string, active: boolean): void {
    if (active) this.degradedReasons.add(reason);
    else this.degradedReasons.delete(reason);
  }

  async evaluate(timeoutMs = 1500): Promise<ReadinessReport> {
    const dependencies: Record<string, DependencyState> = {};
    const degraded = new Set<string>();
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
        if (!up && !entry.critical) degraded.add(name);
      }),
    );
    for (const reason of this.degradedReasons) degraded.add(reason);
    return { ready, dependencies, degraded: [...degraded].sort() };
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
        summary:
          "Readiness: each dependency's state; `degraded` (200) with its reasons when an optional one is down; 503 when a critical one is down or while draining",
        response: {
          '2xx': readinessSchema,
          503: readinessSchema,
        },
      },
    },
    async (_request, reply) => {
      const { ready, dependencies, degraded } = await readiness.evaluate();
      const status = readiness.draining
        ? 'draining'
        : !ready
          ? 'unavailable'
          : degraded.length > 0
            ? 'degraded'
            : 'ok';
      return reply
        .code(ready ? 200 : 503)
        .send(degraded.length > 0 ? { status, dependencies, degraded } : { status, dependencies });
    },
  );
  done();
}

const readinessSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    dependencies: { type: 'object', additionalProperties: { type: 'string' } },
    degraded: { type: 'array', items: { type: 'string' } },
  },
};

export const health = fp(healthPlugin, { name: 'lectern-health', fastify: '5.x' });
