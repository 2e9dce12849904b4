import type { preHandlerHookHandler } from 'fastify';
import { errors, type FieldError } from '../errors/index.js';

/** Deeper than any request body we accept; a deeper one is refused by its schema anyway. */
const maxDepth = 64;
const maxProblems = 20;

/**
 * Every service, every route: no string holds a NUL (PostgreSQL text cannot store one, so it would be a 500),
 * and every number is finite and, when whole, a safe integer (Ajv's integer check lets Infinity and 1e309
 * through, and a 64-bit id past 2^53 is silently another id). Runs after schema validation and coercion, on
 * params, query and body, and answers 422 naming each field.
 */
export const refuseUnsafeValues: preHandlerHookHandler = (request, _reply, done) => {
  const problems: FieldError[] = [];
  inspect(request.params, 'params', problems, 0);
  inspect(request.query, 'query', problems, 0);
  inspect(request.body, 'body', problems, 0);
  done(problems.length > 0 ? errors.validation(problems) : undefined);
};

function inspect(value: unknown, field: string, problems: FieldError[], depth: number): void {
  if (problems.length >= maxProblems) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) problems.push({ field, message: 'must not contain NUL characters' });
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push({ field, message: 'must be a finite number' });
    else if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      problems.push({
        field,
        message: `must be between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
      });
    }
  } else if (typeof value === 'object' && value !== null && depth < maxDepth && !Buffer.isBuffer(value)) {
    const entries = Array.isArray(value) ? value.entries() : Object.entries(value as Record<string, unknown>);
    for (const [key, item] of entries) inspect(item, `${field}.${String(key)}`, problems, depth + 1);
  }
}
