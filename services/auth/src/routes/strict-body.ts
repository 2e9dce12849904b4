import { errors, type FieldError } from '@lectern/kit';
import type { TObject } from '@sinclair/typebox';
import type { preValidationHookHandler } from 'fastify';

/**
 * Refuses JSON bodies whose string fields hold other types. The kit's Ajv coerces types for every request part
 * (coerceTypes: 'array'), which querystrings need but bodies must not get: `"password": 12345678` or
 * `"role": ["admin"]` would otherwise pass as strings. Runs before validation, on the parsed JSON.
 */
export function strictBody(schema: TObject): preValidationHookHandler {
  const stringFields = Object.entries(schema.properties)
    .filter(([, property]) => (property as { type?: unknown }).type === 'string')
    .map(([name]) => name);
  return (request, _reply, done) => {
    const { body } = request;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      done(errors.validation([{ field: 'body', message: 'must be object' }]));
      return;
    }
    const fields = body as Record<string, unknown>;
    const fieldErrors: FieldError[] = stringFields
      .filter((name) => fields[name] !== undefined && typeof fields[name] !== 'string')
      .map((name) => ({ field: `body.${name}`, message: 'must be string' }));
    done(fieldErrors.length > 0 ? errors.validation(fieldErrors) : undefined);
  };
}
