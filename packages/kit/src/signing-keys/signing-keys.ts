import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/config.js';
import { makePrivateFolder } from '../files/index.js';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, type JWK, type JWTVerifyGetKey } from 'jose';

/**
 * Where an Ed25519 signing key comes from, and the names of the settings that hold it (for messages): a PEM file,
 * the PEM itself, or one generated on the first start and kept in `dataDir/keys/generatedFile`; plus extra public
 * keys published beside it while keys rotate.
 */
export interface SigningKeysOptions {
  names: { file: string; inline: string; publicKeys: string };
  privateKeyFile?: string | undefined;
  privateKey?: string | undefined;
  publicKeysFile?: string | undefined;
  dataDir: string;
  generatedFile: string;
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

/** Where the signing key came from: the name of the file or inline setting, DATA_DIR (generated), or memory. */
export type SigningKeysSource = string;

export interface SigningKeys {
  /** Verifies tokens against every published key (for access tokens: hand it to createHttpApp). */
  getKey: JWTVerifyGetKey;
  /** What the service's /.well-known/jwks.json serves: the signing key first, then the extra public keys. */
  jwks: { keys: PublishedJwk[] };
  /** New tokens are signed with this Ed25519 key; `kid` is its RFC 7638 thumbprint. */
  signing: { kid: string; alg: 'EdDSA'; privateKey: KeyObject };
  /** Where the signing key came from (DATA_DIR: generated on the first start and kept in DATA_DIR/keys/). */
  source: SigningKeysSource;
}

/** Loads the signing key and the published keys; throws ConfigError, naming the setting, on bad input. */
export async function loadSigningKeys(options: SigningKeysOptions): Promise<SigningKeys> {
  const { privateKey, source } = await loadPrivateKey(options);
  const signingJwk = await publicJwk(createPublicKey(privateKey), 'the signing key');
  const kid = signingJwk.kid;
  const extra = options.publicKeysFile
    ? await loadPublicKeys(options.names.publicKeys, options.publicKeysFile)
    : [];
  const jwks = { keys: [signingJwk, ...extra.filter((key) => key.kid !== kid)] };
  return {
    getKey: createLocalJWKSet(jwks),
    jwks,
    signing: { kid, alg: 'EdDSA', privateKey },
    source,
  };
}

async function loadPrivateKey(
  options: SigningKeysOptions,
): Promise<{ privateKey: KeyObject; source: SigningKeysSource }> {
  const { names } = options;
  if (options.privateKeyFile && options.privateKey) {
    throw new ConfigError([`${names.file} and ${names.inline} are both set: expected one of them`]);
  }
  if (options.privateKeyFile) {
    const pem = await readConfigFile(names.file, options.privateKeyFile);
    return { privateKey: parsePrivateKey(names.file, pem), source: names.file };
  }
  if (options.privateKey) {
    // Env files and orchestrators often carry a PEM on one line with literal "\n".
    const pem = options.privateKey.replaceAll('\\n', '\n');
    return { privateKey: parsePrivateKey(names.inline, pem), source: names.inline };
  }
  if (options.dataDir.includes('://')) {
    return { privateKey: generateKeyPairSync('ed25519').privateKey, source: 'memory' };
  }
  await makePrivateFolder(options.dataDir);
  return {
    privateKey: await generatedKey(join(options.dataDir, 'keys'), options.generatedFile),
    source: 'DATA_DIR',
  };
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
async function generatedKey(folder: string, name: string): Promise<KeyObject> {
  const file = join(folder, name);
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

async function loadPublicKeys(name: string, path: string): Promise<PublishedJwk[]> {
  const text = (await readConfigFile(name, path)).trim();
  if (text.startsWith('{')) return publicKeysFromJwks(name, path, text);
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) {
    throw new ConfigError([`${name}=${path} holds no key: expected PEM public keys or a JWKS`]);
  }
  return Promise.all(
    blocks.map((block, index) => {
      let key: KeyObject;
      try {
        key = createPublicKey({ key: block, format: 'pem' });
      } catch {
        throw new ConfigError([`${name}=${path}: public key #${index + 1} cannot be read`]);
      }
      return publicJwk(key, `${name}=${path}: public key #${index + 1}`);
    }),
  );
}

async function publicKeysFromJwks(name: string, path: string, text: string): Promise<PublishedJwk[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError([`${name}=${path} is not valid JSON`]);
  }
  const record = parsed as { keys?: unknown };
  const keys: unknown[] = Array.isArray(record.keys) ? record.keys : [parsed];
  return Promise.all(
    keys.map(async (candidate, index) => {
      const where = `${name}=${path}: key #${index + 1}`;
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
