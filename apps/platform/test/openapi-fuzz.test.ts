import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpApp } from '@lectern/kit';
import { testConfig, unique } from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../src/app.js';
import { platformConfigSchema } from '../src/config.js';

/**
 * Hostile requests generated from the OpenAPI document every service publishes, sent over a real socket to the
 * all-in-one platform as an admin (the role that reaches deepest): each path, query and body field in turn gets
 * values a validator must refuse, the others stay plausible. The bar is the security issue's: no 5xx, and
 * every refusal a problem+json without a stack trace.
 */

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  minimum?: number;
  minLength?: number;
}

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Probe {
  method: string;
  path: string;
  contentType?: string;
  body?: string;
}

/** Values a path or query parameter must be refused with (or treated as not found), never a 5xx. */
const hostileParameters = [
  '0',
  '-1',
  '1e309',
  'Infinity',
  'NaN',
  '9007199254740993',
  '1.5',
  'abc',
  '%00',
  '%E0%A4%A',
  'x'.repeat(2_000),
];

/** Values a JSON field must be refused with (or accept harmlessly), never a 5xx. */
const hostileValues: unknown[] = [
  null,
  '',
  '\u0000',
  'a\u0000b',
  'x'.repeat(100_000),
  -1,
  1.5,
  1e308,
  2 ** 53 + 2,
  true,
  {},
  [],
  ['\u0000'],
  [{}],
];

/** Whole bodies a JSON endpoint must refuse with a 4xx. */
const hostileBodies = ['{', '[]', 'null', '"text"', '{"__proto__": {"admin": true}}', '\u0000'];

function resolve(document: OpenApiDocument, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? '';
    return resolve(document, document.components?.schemas?.[name]);
  }
  return schema;
}

/** A value the schema would likely accept, so that one hostile field at a time reaches past validation. */
function plausible(
  document: OpenApiDocument,
  raw: Schema | undefined,
  ids: Record<string, number>,
  name = '',
): unknown {
  const schema = resolve(document, raw);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) {
    const concrete = variants
      .map((variant) => resolve(document, variant))
      .find((variant) => variant.type !== 'null');
    return plausible(document, concrete ?? variants[0], ids, name);
  }
  if (schema.allOf?.length) return plausible(document, schema.allOf[0], ids, name);
  const type = Array.isArray(schema.type) ? schema.type.find((each) => each !== 'null') : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return ids[name] ?? Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object': {
      const body: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        body[key] = plausible(document, property, ids, key);
      }
      return body;
    }
    case 'string':
      if (schema.format === 'email') return `${unique('fuzz')}@example.com`;
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      return 'fuzz text that is long enough';
    default:
      return 'fuzz';
  }
}

function fill(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_match, name: string) => values[name] ?? '1');
}

/** Every probe of one operation: each parameter and each body field hostile in turn, then hostile bodies. */
function probesOf(
  document: OpenApiDocument,
  method: string,
  path: string,
  operation: Operation,
  ids: Record<string, number>,
): Probe[] {
  const parameters = operation.parameters ?? [];
  const pathValues: Record<string, string> = {};
  // A user id in a path is the victim account's, never the admin's own (whose demotion would end the run).
  const pathIds = path.includes('/users/') ? { ...ids, id: ids.user_id ?? 0 } : ids;
  for (const parameter of parameters.filter((each) => each.in === 'path')) {
    pathValues[parameter.name] = String(plausible(document, parameter.schema, pathIds, parameter.name));
  }
  const probes: Probe[] = [];
  const verb = method.toUpperCase();
  const jsonSchema = operation.requestBody?.content?.['application/json']?.schema;
  const textBody = operation.requestBody?.content?.['text/plain'] !== undefined;
  const baseBody = jsonSchema === undefined ? undefined : plausible(document, jsonSchema, ids);
  const json = (body: unknown) =>
    baseBody === undefined ? {} : { contentType: 'application/json', body: JSON.stringify(body) };

  for (const parameter of parameters) {
    if (parameter.in !== 'path' && parameter.in !== 'query') continue;
    for (const value of hostileParameters) {
      const encoded = value.startsWith('%') ? value : encodeURIComponent(value);
      const url =
        parameter.in === 'path'
          ? fill(path, { ...pathValues, [parameter.name]: encoded })
          : `${fill(path, pathValues)}?${parameter.name}=${encoded}`;
      probes.push({ method: verb, path: url, ...json(baseBody) });
    }
  }
  const url = fill(path, pathValues);
  const bodySchema = resolve(document, jsonSchema);
  if (
    baseBody !== undefined &&
    typeof baseBody === 'object' &&
    baseBody !== null &&
    !Array.isArray(baseBody)
  ) {
    for (const field of Object.keys(bodySchema.properties ?? {})) {
      for (const value of hostileValues) {
        probes.push({ method: verb, path: url, ...json({ ...baseBody, [field]: value }) });
      }
    }
  }
  if (baseBody !== undefined) {
    for (const body of hostileBodies)
      probes.push({ method: verb, path: url, contentType: 'application/json', body });
  }
  if (textBody) {
    for (const body of ['\u0000', '::\n{', '{=}', 'x'.repeat(300_000)]) {
      probes.push({ method: verb, path: url, contentType: 'text/plain', body });
    }
  }
  return probes;
}

describe('every documented operation, fuzzed from the OpenAPI document', () => {
  let app: HttpApp;
  let base: string;
  let token: string;
  const adminEmail = `${unique('fuzzadmin')}@example.com`;
  const password = 'a long enough password';

  const call = async (probe: Probe & { token?: string }) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (probe.token) headers.authorization = `Bearer ${probe.token}`;
    if (probe.contentType) headers['content-type'] = probe.contentType;
    const response = await fetch(`${base}${probe.path}`, {
      method: probe.method,
      headers,
      redirect: 'manual',
      ...(probe.body === undefined ? {} : { body: probe.body }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      text: await response.text(),
    };
  };

  beforeAll(async () => {
    const config = testConfig(platformConfigSchema, {
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_TIME_COST: '1',
      AUTH_RATE_LIMIT_MAX: '1000000',
      AUTH_ACCOUNT_RATE_LIMIT_MAX: '1000000',
      RATE_LIMIT_MAX: '1000000',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: password,
      WEB_ROOT: mkdtempSync(join(tmpdir(), 'lectern-web-')),
      CACHE_PREFIX: unique('lectern-fuzz-'),
    });
    ({ app } = await buildPlatform(config, { logger: false }));
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    const login = await call({
      method: 'POST',
      path: '/api/auth/login',
      contentType: 'application/json',
      body: JSON.stringify({ email: adminEmail, password }),
    });
    expect(login.status, login.text).toBe(200);
    token = (JSON.parse(login.text) as { access_token: string }).access_token;
  });

  afterAll(async () => {
    await app.close();
  });

  it('when every field of every operation is given hostile values, then nothing answers 5xx or shows a stack', async () => {
    // Real ids, so that probes of one field reach past "not found" on the others.
    const created = await call({
      method: 'POST',
      path: '/api/courses',
      token,
      contentType: 'application/json',
      body: JSON.stringify({ title: 'Fuzzed course', description: 'Target of the fuzz run' }),
    });
    expect(created.status, created.text).toBe(201);
    const courseId = (JSON.parse(created.text) as { id: number }).id;
    const lesson = await call({
      method: 'POST',
      path: `/api/courses/${courseId}/lessons`,
      token,
      contentType: 'application/json',
      body: JSON.stringify({ title: 'Quiz', content: '', kind: 'quiz' }),
    });
    expect(lesson.status, lesson.text).toBe(201);
    const lessonId = (JSON.parse(lesson.text) as { id: number }).id;
    const victim = await call({
      method: 'POST',
      path: '/api/auth/register',
      contentType: 'application/json',
      body: JSON.stringify({ email: `${unique('fuzzvictim')}@example.com`, password }),
    });
    expect(victim.status, victim.text).toBe(201);
    const userId = (JSON.parse(victim.text) as { id: number }).id;
    const ids: Record<string, number> = {
      id: courseId,
      course_id: courseId,
      lesson_id: lessonId,
      user_id: userId,
    };

    const docs = await call({ method: 'GET', path: '/api/docs/json' });
    const document = JSON.parse(docs.text) as OpenApiDocument;
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.length).toBeGreaterThan(40);

    // Deletions last, so they do not take the fixtures away from the rest of the run.
    const ordered = [
      ...operations.filter((each) => each.method !== 'delete'),
      ...operations.filter((each) => each.method === 'delete'),
    ];
    const failures: string[] = [];
    let sent = 0;
    for (const { path, method, operation } of ordered) {
      if (/\/(health|metrics)\b|\/docs\b|\/logout\b|\/auth\/password$/.test(path)) continue;
      for (const probe of probesOf(document, method, path, operation, ids)) {
        const answer = await call({ ...probe, token });
        sent += 1;
        const stack = /\bat .+\.(ts|js):\d+/.test(answer.text);
        const problem = answer.status < 400 || answer.type.includes('application/problem+json');
        if (answer.status >= 500 || stack || !problem) {
          const body = probe.body === undefined ? '' : ` ${probe.body.slice(0, 80)}`;
          failures.push(
            `${probe.method} ${probe.path.slice(0, 120)}${body} → ${answer.status} ${answer.text.slice(0, 160)}`,
          );
        }
      }
    }
    expect(sent).toBeGreaterThan(1_000);
    expect(failures).toEqual([]);
  }, 600_000);
});
