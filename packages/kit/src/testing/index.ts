import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Static, TObject } from '@sinclair/typebox';
import pg from 'pg';
import {
  exportJWK,
  generateKeyPair,
  createLocalJWKSet,
  SignJWT,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { parseConfig } from '../config/config.js';
import type { AuthUser } from '../auth-tokens/index.js';
import type { LoadSessionState, SessionState } from '../sessions/index.js';

/**
 * The cache prefix of every config this test process makes, unless a test names its own: apps of one test file
 * share a cache (as replicas do), while files running at the same time on the shared Redis never read each
 * other's entries (a catalogue total counted on another file's database, say).
 */
const processCachePrefix = `lectern-test-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Config for a test: real PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI), embedded otherwise,
 * quiet logs, a private data folder, and limits high enough that tests exercise only the limits they mean to.
 */
export function testConfig<S extends TObject>(
  schema: S,
  overrides: Record<string, string | undefined> = {},
): Readonly<Static<S>> {
  return parseConfig(schema, {
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'lectern-test-')),
    RATE_LIMIT_MAX: '100000',
    DB_POOL_SIZE: '2',
    DB_MAX_OVERFLOW: '8',
    CACHE_PREFIX: processCachePrefix,
    ...overrides,
  });
}

export interface TestIssuer {
  getKey: JWTVerifyGetKey;
  jwks: JSONWebKeySet;
  /**
   * Stands in for auth's session endpoint in other services' tests: each user's last signed role and session
   * version, null for a user never signed.
   */
  loadSessionState: LoadSessionState;
  sign(
    user: AuthUser,
    options?: { expiresIn?: string | number; issuer?: string; audience?: string },
  ): Promise<string>;
}

/** Signs access tokens the way the auth service does, so other services' tests need no auth service. */
export async function createTestIssuer(issuer = 'lectern-auth', audience = 'lectern'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'EdDSA', use: 'sig' };
  const jwks = { keys: [jwk] };
  const sessions = new Map<number, SessionState>();
  return {
    jwks,
    getKey: createLocalJWKSet(jwks),
    loadSessionState: (userId) => Promise.resolve(sessions.get(userId) ?? null),
    sign: (user, options = {}) => {
      sessions.set(user.id, { role: user.role, session_version: user.sessionVersion ?? 0 });
      return new SignJWT({ email: user.email, role: user.role, sv: user.sessionVersion ?? 0 })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'test-key' })
        .setSubject(String(user.id))
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt()
        .setJti(crypto.randomUUID())
        .setExpirationTime(options.expiresIn ?? '15m')
        .sign(privateKey);
    },
  };
}

let uniqueCounter = 0;
/** A value no other test (or earlier run) has used: for emails, titles, key prefixes. */
export function unique(prefix = 't'): string {
  uniqueCounter += 1;
  return `${prefix}${Date.now().toString(36)}${process.pid.toString(36)}${uniqueCounter}${Math.random().toString(36).slice(2, 6)}`;
}

/** A database of a test's own on the server DATABASE_URL names, dropped by `drop()`. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for a test whose background work (sweepers, outboxes, job loops) would otherwise take rows
 * written by test files running at the same time on the shared database. Undefined without DATABASE_URL: the
 * embedded database is private to each process already.
 */
export async function scratchDatabase(prefix = 'lectern_scratch'): Promise<ScratchDatabase | undefined> {
  const base = process.env.DATABASE_URL;
  if (base === undefined || base === '') return undefined;
  const name = unique(`${prefix}_`)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** A private, throwaway redis-server, ready for commands, so a test can stop it without touching the shared one. */
export async function startPrivateRedis(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const stdout = server.stdout;
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}: ${output}`));
    });
  });
  stdout.resume();
  return server;
}
export {
  createPostgresSandbox,
  postgresBinaries,
  startStreamingCluster,
  type PostgresSandbox,
  type SandboxServer,
  type StreamingCluster,
} from './postgres-cluster.js';
export { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from './smtp-server.js';
export {
  startTestOidcProvider,
  type TestOidcAccount,
  type TestOidcProvider,
  type TestOidcProviderOptions,
} from './oidc-provider.js';
