import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Socket } from 'node:net';
import Fastify, { LogController, type onRequestHookHandler } from 'fastify';
import type { Redis } from 'ioredis';
import type { JWTVerifyGetKey } from 'jose';
import { authTokens } from '../auth-tokens/index.js';
import type { BaseConfig } from '../config/config.js';
import { errorHandler, errors, frameworkErrorAnswer } from '../errors/index.js';
import { health } from '../health/index.js';
import { loggerOptions, requestIdFrom, requestLogging } from '../logging/index.js';
import { metrics } from '../metrics/index.js';
import { rateLimits } from '../rate-limit/index.js';
import { opsNetworks, restrictOpsRoutes } from './ops-access.js';
import { refuseUnsafeValues } from './request-values.js';
import { securityHeadersOnEveryResponse } from './security-headers.js';

export interface HttpAppOptions {
  config: BaseConfig;
  /** Names the process in logs and the OpenAPI document: auth, courses, progress or platform. */
  name: string;
  redis: Redis | null;
  /** The auth service's public keys, for verifying access tokens. */
  getKey: JWTVerifyGetKey;
  /** Where the OpenAPI document and its docs page live, e.g. /api/auth/docs. */
  docsPrefix: string;
  /** Extra liveness paths kept from codERROR, e.g. /api/courses/health. */
  healthAliases?: string[];
  bodyLimit?: number;
  /**
   * 'in-process': routes under /internal/ answer only requests made inside this process (app.inject), never
   * one that came over a socket. The all-in-one process sets it, because its one port is the public one.
   * 'network' (default): the service's own port is internal (behind nginx, on the Swarm network).
   */
  internalRoutes?: 'in-process' | 'network';
  /** Tests pass false to keep output quiet, or a stream to read the log lines. */
  logger?: boolean;
  logStream?: NodeJS.WritableStream;
}

function trustedProxies(list: string): string[] | false {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.length > 0 ? entries : false;
}

/**
 * An /internal/ route reached over a socket is answered as if it did not exist. The route template, not the
 * URL, decides, so no spelling of the path (%69nternal, //internal) slips past. app.inject requests have no
 * real socket.
 */
const refuseInternalRoutesFromNetwork: onRequestHookHandler = (request, _reply, done) => {
  const internal = request.routeOptions.url?.startsWith('/internal/') ?? false;
  if (internal && request.raw.socket instanceof Socket) {
    done(errors.routeNotFound(request.method, request.url.split('?')[0] ?? '/'));
    return;
  }
  done();
};

/**
 * The Fastify instance every Lectern process starts from: problem+json errors, request ids and logs, metrics,
 * security headers, health, OpenAPI, rate limits and access-token verification. It never listens.
 */
export async function createHttpApp(options: HttpAppOptions) {
  const { config } = options;
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            ...loggerOptions(config.LOG_LEVEL, options.name),
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestIdFrom,
    trustProxy: trustedProxies(config.TRUSTED_PROXIES),
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    forceCloseConnections: 'idle',
    // While draining, requests on connections already open are still served (with Connection: close, below)
    // rather than refused: nginx cannot retry a refused POST.
    return503OnClosing: false,
    frameworkErrors: (error, request, reply) => {
      void frameworkErrorAnswer(error, request, reply);
    },
    ajv: {
      customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: true, useDefaults: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(errorHandler);
  if (options.internalRoutes === 'in-process') app.addHook('onRequest', refuseInternalRoutesFromNetwork);
  app.addHook('onRequest', restrictOpsRoutes(opsNetworks(config.OPS_ALLOWED_NETWORKS)));
  app.addHook('preHandler', refuseUnsafeValues);
  await app.register(requestLogging);
  await app.register(metrics);
  // Security headers (speed, issue 13): JSON answers get the lean API set, documents helmet's full set.
  await app.register(securityHeadersOnEveryResponse, {
    documentPrefixes: [options.docsPrefix],
    documents: {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'https:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
    },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: `Lectern ${options.name} API`, version: '1.0.0' },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: options.docsPrefix, staticCSP: true });
  await app.register(health, { aliases: options.healthAliases ?? [] });
  app.readiness.disable('redis');
  // Once draining, every answer closes its connection, so a proxy never sends another request on a socket
  // this process is about to drop.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (app.readiness.draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  await app.register(authTokens, {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    getKey: options.getKey,
  });
  await app.register(rateLimits, {
    redis: options.redis,
    max: config.RATE_LIMIT_MAX,
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    prefix: config.CACHE_PREFIX,
  });
  return app;
}

export type HttpApp = Awaited<ReturnType<typeof createHttpApp>>;
