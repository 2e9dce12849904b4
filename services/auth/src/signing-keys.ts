import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@lectern/kit';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, type JWK, type JWTVerifyGetKey } from 'jose';

/** The settings loadAuthKeys reads; any config holding these keys (auth's, the platform's) will do. */
export interface AuthKeysConfig {
  DATA_DIR: string;
  JWT_PRIVATE_KEY_FILE?: string | undefined;
  JWT_PRIVATE_KEY?: string | undefined;
  JWT_PUBLIC_KEYS_FILE?: string | undefined;
}

/** One published verification key: the public members only, with kid (an RFC 7638 thumbprint unless given). */
export interface PublishedJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  y?: string;
  kid: string;
  alg: 'EdDSA' | 'ES256';
  use: 'sig';
}

export type AuthKeysSource = 'JWT_PRIVATE_KEY_FILE' | 'JWT_PRIVATE_KEY' | 'DATA_DIR' | 'memory';

export interface AuthKeys {
  /** Verifies access tokens against every published key; hand it to createHttpApp. */
  getKey: JWTVerifyGetKey;
  /** What GET /api/auth/.well-known/jwks.json serves: the signing key first, then the extra public keys. */
  jwks: { keys: PublishedJwk[] };
  /** New access tokens are signed with this Ed25519 key; `kid` is its RFC 7638 thumbprint. */
  signing: { kid: string; alg: 'EdDSA'; privateKey: KeyObject };
  /** Where the signing key came from (DATA_DIR: generated on the first start and kept in DATA_DIR/keys/). */
  source: AuthKeysSource;
}

const GENERATED_KEY_FILE = 'access-token-ed25519.pem';

/**
 * The access-token keys: the Ed25519 signing key from JWT_PRIVATE_KEY_FILE or JWT_PRIVATE_KEY (PEM, PKCS#8),
 * else one generated on the first start and kept in DATA_DIR/keys/ (0600) for later starts; plus the extra
 * public keys of JWT_PUBLIC_KEYS_FILE, published beside it while keys rotate. Throws ConfigError on bad input.
 */
export async function loadAuthKeys(config: AuthKeysConfig): Promise<AuthKeys> {
  const { privateKey, source } = await loadPrivateKey(config);
  const signingJwk = await publicJwk(createPublicKey(privateKey), 'the signing key');
  const kid = signingJwk.kid;
  const extra = config.JWT_PUBLIC_KEYS_FILE ? await loadPublicKeys(config.JWT_PUBLIC_KEYS_FILE) : [];
  const jwks = { keys: [signingJwk, ...extra.filter((key) => key.kid !== kid)] };
  return {
    getKey: createLocalJWKSet(jwks),
    jwks,
    signing: { kid, alg: 'EdDSA', privateKey },
    source,
  };
}

async function loadPrivateKey(
  config: AuthKeysConfig,
): Promise<{ privateKey: KeyObject; source: AuthKeysSource }> {
  if (config.JWT_PRIVATE_KEY_FILE && config.JWT_PRIVATE_KEY) {
    throw new ConfigError(['JWT_PRIVATE_KEY_FILE and JWT_PRIVATE_KEY are both set: expected one of them']);
  }
  if (config.JWT_PRIVATE_KEY_FILE) {
    const pem = await readConfigFile('JWT_PRIVATE_KEY_FILE', config.JWT_PRIVATE_KEY_FILE);
    return { privateKey: parsePrivateKey('JWT_PRIVATE_KEY_FILE', pem), source: 'JWT_PRIVATE_KEY_FILE' };
  }
  if (config.JWT_PRIVATE_KEY) {
    // Env files and orchestrators often carry a PEM on one line with literal "\n".
    const pem = config.JWT_PRIVATE_KEY.replaceAll('\\n', '\n');
    return { privateKey: parsePrivateKey('JWT_PRIVATE_KEY', pem), source: 'JWT_PRIVATE_KEY' };
  }
  if (config.DATA_DIR.includes('://')) {
    return { privateKey: generateKeyPairSync('ed25519').privateKey, source: 'memory' };
  }
  return { privateKey: await generatedKey(join(config.DATA_DIR, 'keys')), source: 'DATA_DIR' };
}

function parsePrivateKey(name: string, pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError([`${name} is not a readable private key: expected an unencrypted PEM (PKCS#8)`]);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError([
      `${name} holds a${key.asymmetricKeyType ? `n ${key.asymmetricKeyType}` : 'n unknown'} key: expected Ed25519 ` +
        '(openssl genpkey -algorithm ed25519)',
    ]);
  }
  return key;
}

/** Reads DATA_DIR/keys/'s key, or creates it: written to a temporary file, then linked, so replicas never race. */
async function generatedKey(folder: string): Promise<KeyObject> {
  const file = join(folder, GENERATED_KEY_FILE);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  let pem = await readFile(file, 'utf8').catch((error: unknown) => {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  });
  if (pem === undefined) {
    const fresh = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, fresh, { mode: 0o600, flag: 'wx' });
    try {
      await link(temporary, file);
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    } finally {
      await unlink(temporary);
    }
    pem = await readFile(file, 'utf8');
  }
  await chmod(file, 0o600);
  return parsePrivateKey(file, pem);
}

async function loadPublicKeys(path: string): Promise<PublishedJwk[]> {
  const text = (await readConfigFile('JWT_PUBLIC_KEYS_FILE', path)).trim();
  if (text.startsWith('{')) return publicKeysFromJwks(path, text);
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) {
    throw new ConfigError([`JWT_PUBLIC_KEYS_FILE=${path} holds no key: expected PEM public keys or a JWKS`]);
  }
  return Promise.all(
    blocks.map((block, index) => {
      let key: KeyObject;
      try {
        key = createPublicKey({ key: block, format: 'pem' });
      } catch {
        throw new ConfigError([`JWT_PUBLIC_KEYS_FILE=${path}: public key #${index + 1} cannot be read`]);
      }
      return publicJwk(key, `JWT_PUBLIC_KEYS_FILE=${path}: public key #${index + 1}`);
    }),
  );
}

async function publicKeysFromJwks(path: string, text: string): Promise<PublishedJwk[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError([`JWT_PUBLIC_KEYS_FILE=${path} is not valid JSON`]);
  }
  const record = parsed as { keys?: unknown };
  const keys: unknown[] = Array.isArray(record.keys) ? record.keys : [parsed];
  return Promise.all(
    keys.map(async (candidate, index) => {
      const where = `JWT_PUBLIC_KEYS_FILE=${path}: key #${index + 1}`;
      const jwk = (typeof candidate === 'object' && candidate !== null ? candidate : {}) as JWK;
      if ('d' in jwk) throw new ConfigError([`${where} is a private key: publish only public keys`]);
      const published = verificationJwk(jwk, where);
      const kid =
        typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : await calculateJwkThumbprint(published);
      return { ...published, kid };
    }),
  );
}

/** A published JWK: the public members of an Ed25519 (EdDSA) or P-256 (ES256) key, plus kid, alg and use. */
async function publicJwk(key: KeyObject, where: string): Promise<PublishedJwk> {
  const published = verificationJwk(await exportJWK(key), where);
  return { ...published, kid: await calculateJwkThumbprint(published) };
}

function verificationJwk(jwk: JWK, where: string): Omit<PublishedJwk, 'kid'> {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, alg: 'EdDSA', use: 'sig' };
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, alg: 'ES256', use: 'sig' };
  }
  throw new ConfigError([`${where} is not an Ed25519 or P-256 public key (the algorithms tokens may use)`]);
}

async function readConfigFile(name: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new ConfigError([`${name}=${path} cannot be read: expected a readable file`]);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
