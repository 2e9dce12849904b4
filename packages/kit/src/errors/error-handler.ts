import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from '../postgres/index.js';
import { AppError, errors, type FieldError } from './errors.js';

interface AjvIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldName(context: string | undefined, issue: AjvIssue): string {
  const path = issue.instancePath.split('/').filter(Boolean);
  const missing = issue.params.missingProperty ?? issue.params.additionalProperty;
  if (typeof missing === 'string') path.push(missing);
  const location = context === 'querystring' ? 'query' : (context ?? 'body');
  return [location, ...path].join('.');
}

function validationError(error: FastifyError): AppError {
  const issues = (error.validation ?? []) as AjvIssue[];
  const seen = new Set<string>();
  const fieldErrors: FieldError[] = [];
  for (const issue of issues) {
    const field = fieldName(error.validationContext, issue);
    if (seen.has(field)) continue;
    seen.add(field);
    fieldErrors.push({ field, message: issue.message ?? 'is invalid' });
  }
  return errors.validation(fieldErrors);
}

/** Maps anything thrown to a problem+json answer; only AppErrors and Fastify's own 4xx reach the client as written. */
export function toAppError(error: unknown, bodyLimit: number): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as Partial<FastifyError> & { statusCode?: number };
  if (fastifyError.validation) return validationError(fastifyError as FastifyError);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType('');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.badRequest('The request body is empty but Content-Type says JSON.', 'empty_body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.malformedJson();
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) return errors.malformedJson();
  if (isDatabaseUnavailable(error)) return errors.databaseUnavailable();
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'bad_request', fastifyError.message ?? 'The request is invalid.');
  }
  return errors.internal();
}

function errorHandlerPlugin(app: FastifyInstance, _options: unknown, done: (error?: Error) => void) {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error, request.routeOptions.bodyLimit);
    if (appError.statusCode >= 500) {
      request.log.error({ err: error, code: appError.code }, 'request failed');
    }
    return reply
      .code(appError.statusCode)
      .headers(appError.headers)
      .type('application/problem+json')
      .send(appError.toProblem());
  });

  app.setNotFoundHandler((request, reply) => {
    const appError = errors.routeNotFound(request.method, request.url.split('?')[0] ?? '/');
    return reply.code(404).type('application/problem+json').send(appError.toProblem());
  });
  done();
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or hook runs (a malformed percent-escape,
 * a path parameter past maxParamLength), answered as problem+json like every other refusal.
 */
export function frameworkErrorAnswer(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError(414, 'uri_too_long', 'A part of the URL is longer than any valid value.')
      : error.code === 'FST_ERR_BAD_URL'
        ? new AppError(400, 'bad_url', 'The URL is not valid: a percent-escape in it is malformed.')
        : toAppError(error, 0);
  return reply.code(appError.statusCode).type('application/problem+json').send(appError.toProblem());
}

export const errorHandler = fp(errorHandlerPlugin, { name: 'lectern-errors', fastify: '5.x' });
