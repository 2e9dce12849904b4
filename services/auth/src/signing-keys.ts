import { join } from 'node:path';
import { loadSigningKeys, type SigningKeys } from '@lectern/kit';

/** The settings loadAuthKeys reads; any config holding these keys (auth's, the platform's) will do. */
export interface AuthKeysConfig {
  DATA_DIR: string;
  JWT_PRIVATE_KEY_FILE?: string | undefined;
  JWT_PRIVATE_KEY?: string | undefined;
  JWT_PUBLIC_KEYS_FILE?: string | undefined;
}

/** The access-token keys: `getKey` verifies access tokens, `jwks` is /api/auth/.well-known/jwks.json. */
export type AuthKeys = SigningKeys;
export type AuthKeysSource = SigningKeys['source'];

const GENERATED_KEY_FILE = 'access-token-ed25519.pem';

/** Where the signing key generated on the first start is kept (when no JWT_PRIVATE_KEY* is set). */
export function generatedKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', GENERATED_KEY_FILE);
}

/**
 * The Ed25519 access-token signing key from JWT_PRIVATE_KEY_FILE or JWT_PRIVATE_KEY (PEM, PKCS#8), else one
 * generated on the first start and kept in DATA_DIR/keys/ (0600); plus JWT_PUBLIC_KEYS_FILE's extra public keys.
 */
export function loadAuthKeys(config: AuthKeysConfig): Promise<AuthKeys> {
  return loadSigningKeys({
    names: { file: 'JWT_PRIVATE_KEY_FILE', inline: 'JWT_PRIVATE_KEY', publicKeys: 'JWT_PUBLIC_KEYS_FILE' },
    privateKeyFile: config.JWT_PRIVATE_KEY_FILE,
    privateKey: config.JWT_PRIVATE_KEY,
    publicKeysFile: config.JWT_PUBLIC_KEYS_FILE,
    dataDir: config.DATA_DIR,
    generatedFile: GENERATED_KEY_FILE,
  });
}
