import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { LoggerOptions } from 'pino';

/** pino options giving one JSON object per line with an ISO `timestamp` and a textual `level`. */
export function loggerOptions(level: string, service: string): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'message',
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  };
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps the caller's X-Request-Id when it is sane, so one id follows a request through nginx and services. */
export function requestIdFrom(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
}

function requestLoggingPlugin(app: FastifyInstance, _options: unknown, done: (error?: Error) => void) {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const path = request.url.split('?', 1)[0];
    const line = {
      event: 'http_request',
      method: request.method,
      path,
      status_code: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (reply.statusCode >= 500) request.log.error(line);
    else request.log.info(line);
    done();
  });
  done();
}

export const requestLogging = fp(requestLoggingPlugin, { name: 'lectern-request-logging', fastify: '5.x' });
