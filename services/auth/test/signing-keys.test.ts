import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lectern/kit';
import { calculateJwkThumbprint, exportJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenIssuer } from '../src/access-token.issuer.js';
import { loadAuthKeys, type AuthKeys } from '../src/signing-keys.js';
import { claimsOf, login, me, register, relaxedLimits, startAuth, type AuthHarness } from './helpers.js';

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'lectern-keys-'));
}

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString();
}

async function thumbprint(key: KeyObject): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(key));
}

function issuer(keys: Awaited<ReturnType<typeof loadAuthKeys>>) {
  return new AccessTokenIssuer({ keys, issuer: 'lectern-auth', audience: 'lectern', ttlSeconds: 60 });
}

describe('loadAuthKeys', () => {
  it('when no key is configured, then one is generated into DATA_DIR/keys (0600) and reused on the next start', async () => {
    const dataDir = folder();
    const first = await loadAuthKeys({ DATA_DIR: dataDir });
    expect(first.source).toBe('DATA_DIR');
    const file = join(dataDir, 'keys', 'access-token-ed25519.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'keys')).mode & 0o077).toBe(0);
    const second = await loadAuthKeys({ DATA_DIR: dataDir });
    expect(second.signing.kid).toBe(first.signing.kid);
    expect(second.jwks).toEqual(first.jwks);
  });

  it('when several processes start at once on a new DATA_DIR, then they all end up with one key', async () => {
    const dataDir = folder();
    const loaded = await Promise.all([1, 2, 3, 4].map(() => loadAuthKeys({ DATA_DIR: dataDir })));
    expect(new Set(loaded.map((keys) => keys.signing.kid)).size).toBe(1);
  });

  it('when DATA_DIR is in memory, then the key lives in memory', async () => {
    expect((await loadAuthKeys({ DATA_DIR: 'memory://' })).source).toBe('memory');
  });

  it('when JWT_PRIVATE_KEY holds a PEM, even on one line with \\n, then it signs and its kid is its thumbprint', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keys = await loadAuthKeys({
      DATA_DIR: folder(),
      JWT_PRIVATE_KEY: pem(privateKey).replaceAll('\n', '\\n'),
    });
    expect(keys.source).toBe('JWT_PRIVATE_KEY');
    expect(keys.signing.kid).toBe(await thumbprint(publicKey));
    const token = await issuer(keys).sign({ id: 1, email: 'a@example.com', role: 'student' });
    await expect(jwtVerify(token, publicKey)).resolves.toBeDefined();
  });

  it('when JWT_PRIVATE_KEY_FILE names a PEM file, then that key signs', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const file = join(folder(), 'signing.pem');
    writeFileSync(file, pem(privateKey), { mode: 0o600 });
    const keys = await loadAuthKeys({ DATA_DIR: folder(), JWT_PRIVATE_KEY_FILE: file });
    expect(keys.source).toBe('JWT_PRIVATE_KEY_FILE');
    expect(keys.signing.kid).toBe(await thumbprint(publicKey));
  });

  it('when the key settings are wrong, then it throws a ConfigError that says what is expected', async () => {
    const ed = pem(generateKeyPairSync('ed25519').privateKey);
    const rsa = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const cases: [Record<string, string>, RegExp][] = [
      [{ JWT_PRIVATE_KEY: ed, JWT_PRIVATE_KEY_FILE: '/etc/hostname' }, /both set/],
      [{ JWT_PRIVATE_KEY: rsa }, /rsa key: expected Ed25519/],
      [{ JWT_PRIVATE_KEY: 'not a pem' }, /not a readable private key/],
      [{ JWT_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }, /cannot be read/],
    ];
    for (const [settings, message] of cases) {
      const attempt = loadAuthKeys({ DATA_DIR: folder(), ...settings });
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      await expect(attempt).rejects.toThrow(message);
    }
  });

  it('when JWT_PUBLIC_KEYS_FILE holds older PEM keys, then the JWKS publishes them and tokens they signed verify', async () => {
    const old = await loadAuthKeys({ DATA_DIR: folder() });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const file = join(folder(), 'public.pem');
    writeFileSync(file, `${pem(createPublicKey(old.signing.privateKey))}\n${pem(p256)}`);

    const keys = await loadAuthKeys({ DATA_DIR: folder(), JWT_PUBLIC_KEYS_FILE: file });
    expect(keys.jwks.keys.map((key) => key.alg)).toEqual(['EdDSA', 'EdDSA', 'ES256']);
    expect(keys.jwks.keys[1]?.kid).toBe(old.signing.kid);
    const token = await issuer(old).sign({ id: 1, email: 'a@example.com', role: 'student' });
    await expect(jwtVerify(token, keys.getKey)).resolves.toBeDefined();
  });

  it('when JWT_PUBLIC_KEYS_FILE is a JWKS, then its public keys keep their kid and private or secret keys are refused', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const dir = folder();
    const write = (name: string, value: unknown) => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(value));
      return file;
    };
    const good = write('good.json', { keys: [{ ...(await exportJWK(publicKey)), kid: 'old-2024' }] });
    const keys = await loadAuthKeys({ DATA_DIR: folder(), JWT_PUBLIC_KEYS_FILE: good });
    expect(keys.jwks.keys[1]).toMatchObject({ kid: 'old-2024', kty: 'OKP', alg: 'EdDSA' });

    const withPrivate = write('private.json', { keys: [await exportJWK(privateKey)] });
    await expect(loadAuthKeys({ DATA_DIR: folder(), JWT_PUBLIC_KEYS_FILE: withPrivate })).rejects.toThrow(
      /private key/,
    );
    const secret = write('secret.json', { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] });
    await expect(loadAuthKeys({ DATA_DIR: folder(), JWT_PUBLIC_KEYS_FILE: secret })).rejects.toThrow(
      /not an Ed25519/,
    );
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'nothing here');
    await expect(loadAuthKeys({ DATA_DIR: folder(), JWT_PUBLIC_KEYS_FILE: empty })).rejects.toThrow(
      /holds no key/,
    );
  });
});

describe('key rotation through the service', () => {
  let harness: AuthHarness;
  let old: AuthKeys;

  beforeAll(async () => {
    old = await loadAuthKeys({ DATA_DIR: folder() });
    const file = join(folder(), 'previous.pem');
    writeFileSync(file, pem(createPublicKey(old.signing.privateKey)));
    harness = await startAuth({
      ...relaxedLimits,
      JWT_PRIVATE_KEY: pem(generateKeyPairSync('ed25519').privateKey),
      JWT_PUBLIC_KEYS_FILE: file,
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('when the service signs with a new key and publishes the old one, then tokens from the old key still work', async () => {
    const jwks = await harness.app.inject({ method: 'GET', url: '/api/auth/.well-known/jwks.json' });
    expect(jwks.json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid)).toEqual([
      harness.keys.signing.kid,
      old.signing.kid,
    ]);
    const user = await register(harness.app);
    const oldToken = await issuer(old).sign({ id: user.id, email: user.email, role: 'student' });
    expect((await me(harness.app, oldToken)).statusCode).toBe(200);
    const session = await login(harness.app, user.email);
    expect(claimsOf(session.access_token).header.kid).toBe(harness.keys.signing.kid);
  });
});
