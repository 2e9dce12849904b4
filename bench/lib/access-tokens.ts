// Access tokens for many seeded users without logging each one in (argon2 would take minutes): the bench
// generates the Ed25519 signing key, hands it to the auth replicas (JWT_PRIVATE_KEY), and signs tokens exactly
// as auth does (EdDSA, kid = RFC 7638 thumbprint, sub/email/role/iss/aud/iat/exp/jti). Every replica then
// verifies them through auth's JWKS like any other token.
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

export interface TokenUser {
  id: number;
  email: string;
  role: 'student' | 'instructor' | 'admin';
}

export interface TokenMinter {
  /** PKCS#8 PEM, for JWT_PRIVATE_KEY. */
  privateKeyPem: string;
  kid: string;
  mint(user: TokenUser, options?: { ttlSeconds?: number; now?: number }): string;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace. */
export function ed25519Thumbprint(x: string): string {
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
}

export function createTokenMinter(
  options: { issuer: string; audience: string },
  key?: KeyObject,
): TokenMinter {
  const privateKey = key ?? generateKeyPairSync('ed25519').privateKey;
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new Error('the token minter needs an Ed25519 key');
  }
  const kid = ed25519Thumbprint(jwk.x);
  const header = base64url(JSON.stringify({ alg: 'EdDSA', kid, typ: 'JWT' }));
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    kid,
    mint(user, { ttlSeconds = 4 * 3600, now = Date.now() } = {}) {
      const iat = Math.floor(now / 1000);
      const payload = base64url(
        JSON.stringify({
          sub: String(user.id),
          email: user.email,
          role: user.role,
          iss: options.issuer,
          aud: options.audience,
          iat,
          exp: iat + ttlSeconds,
          jti: randomUUID(),
        }),
      );
      const input = `${header}.${payload}`;
      return `${input}.${base64url(sign(null, Buffer.from(input), privateKey))}`;
    },
  };
}

/** The payload of a JWT, unverified (the R3 reference reads `sub` this way: it does not do auth's work). */
export function unverifiedClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}
