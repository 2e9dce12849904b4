import { randomInt } from 'node:crypto';
import { openInfrastructure, type Infrastructure } from '@lectern/kit';
import { testConfig, unique } from '@lectern/kit/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { expect } from 'vitest';
import { buildApp, type BuildAppOverrides } from '../src/app.js';
import { authConfigSchema, type AuthConfig } from '../src/config.js';
import { loadAuthKeys, type AuthKeys } from '../src/signing-keys.js';

export type AuthTestApp = Awaited<ReturnType<typeof buildApp>>;

/** Attempt limits high enough that only the tests about them meet them. */
export const relaxedLimits = { AUTH_RATE_LIMIT_MAX: '100000' };

export function authTestConfig(overrides: Record<string, string | undefined> = {}): AuthConfig {
  return testConfig(authConfigSchema, {
    JOBS_POLL_INTERVAL_SECONDS: '0.5',
    JOBS_RETRY_DELAY_SECONDS: '1',
    PUBLIC_URL: 'https://lectern.test',
    ...overrides,
  });
}

export interface AuthHarness {
  app: AuthTestApp;
  config: AuthConfig;
  /** The app's own infrastructure, for reaching into the database the way an operator would. */
  infrastructure: Infrastructure;
  keys: AuthKeys;
  close(): Promise<void>;
}

/** An auth app on its own infrastructure (real PostgreSQL/Redis when configured), ready for inject. */
export async function startAuth(
  overrides: Record<string, string | undefined> = relaxedLimits,
  appOverrides: BuildAppOverrides = {},
): Promise<AuthHarness> {
  const config = authTestConfig(overrides);
  const infrastructure = await openInfrastructure(config, 'auth-test', { jobs: 'work' });
  const keys = appOverrides.keys ?? (await loadAuthKeys(config));
  const app = await buildApp(config, { logger: false, infrastructure, keys, ...appOverrides });
  await app.ready();
  return {
    app,
    config,
    infrastructure,
    keys,
    async close() {
      await app.close();
      await infrastructure.close();
    },
  };
}

export function uniqueEmail(prefix = 'user'): string {
  return `${unique(prefix)}@example.com`;
}

/** A client address no other test (or recent run) counts against: Redis buckets outlive a run. */
export function uniqueIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export const strongPassword = 'correct horse battery staple';

export interface Session {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

export async function register(
  app: FastifyInstance,
  email = uniqueEmail(),
  password = strongPassword,
  remoteAddress = uniqueIp(),
): Promise<{ id: number; email: string; password: string }> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email, password },
    remoteAddress,
  });
  if (response.statusCode !== 201)
    throw new Error(`register answered ${response.statusCode}: ${response.body}`);
  return { id: response.json<{ id: number }>().id, email, password };
}

export function loginRequest(
  app: FastifyInstance,
  email: string,
  password: string,
  remoteAddress = uniqueIp(),
) {
  return app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress });
}

export async function login(
  app: FastifyInstance,
  email: string,
  password = strongPassword,
): Promise<Session> {
  const response = await loginRequest(app, email, password);
  if (response.statusCode !== 200) throw new Error(`login answered ${response.statusCode}: ${response.body}`);
  return response.json<Session>();
}

export function refreshRequest(app: FastifyInstance, refreshToken: string) {
  return app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: refreshToken } });
}

export function me(app: FastifyInstance, accessToken: string) {
  return app.inject({
    method: 'GET',
    url: '/api/auth/me',
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** The problem+json body, after checking that it is one. */
export function problem(response: LightMyRequestResponse): Problem {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return response.json<Problem>();
}

export function fieldsOf(response: LightMyRequestResponse): string[] {
  expect(response.statusCode).toBe(422);
  return (problem(response).errors ?? []).map((error) => error.field);
}

export function claimsOf(token: string) {
  return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
}
