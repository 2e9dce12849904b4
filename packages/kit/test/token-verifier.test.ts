import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier } from '../src/auth-tokens/index.js';

interface SigningKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'EdDSA' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(
  key: SigningKey,
  claims: { jti?: string | null; alg?: string; sub?: string; role?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({ email: 'reader@example.com', role: claims.role ?? 'student' })
    .setProtectedHeader({ alg: claims.alg ?? key.alg, kid: key.kid })
    .setSubject(claims.sub ?? '42')
    .setIssuer('lectern-auth')
    .setAudience('lectern')
    .setIssuedAt()
    .setExpirationTime('5m');
  if (claims.jti !== null) jwt.setJti(claims.jti ?? crypto.randomUUID());
  return jwt.sign(key.privateKey);
}

describe('TokenVerifier over a key set with an Ed25519 and a P-256 key (keys rotating)', () => {
  let ed25519: SigningKey;
  let p256: SigningKey;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    ed25519 = await signingKey('current', 'EdDSA');
    p256 = await signingKey('older', 'ES256');
    verifier = new TokenVerifier({
      issuer: 'lectern-auth',
      audience: 'lectern',
      getKey: createLocalJWKSet({ keys: [ed25519.jwk, p256.jwk] }),
    });
  });

  it('when a token is signed by either published key, then it is accepted, and again from the cache', async () => {
    for (const key of [ed25519, p256]) {
      const token = await sign(key);
      const expected = { id: 42, email: 'reader@example.com', role: 'student', sessionVersion: 0 };
      expect(await verifier.verify(token)).toEqual(expected);
      expect(await verifier.verify(token)).toEqual(expected);
    }
  });

  it('when a required claim is missing or a claim is not ours, then it is refused with 401 invalid_token', async () => {
    for (const token of [
      await sign(ed25519, { jti: null }),
      await sign(ed25519, { sub: 'someone' }),
      await sign(ed25519, { role: 'superuser' }),
    ]) {
      await expect(verifier.verify(token)).rejects.toMatchObject({ statusCode: 401, code: 'invalid_token' });
    }
  });

  it('when a token is malformed, then it is refused with 401, never a 500', async () => {
    const valid = await sign(ed25519);
    for (const token of ['', 'a.b', 'a.b.c', `${valid}x`, valid.split('.').slice(0, 2).join('.') + '.']) {
      await expect(verifier.verify(token)).rejects.toMatchObject({ statusCode: 401, code: 'invalid_token' });
    }
  });
});
