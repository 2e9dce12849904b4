import { randomUUID } from 'node:crypto';
import type { AuthUser } from '@lectern/kit';
import { SignJWT } from 'jose';
import type { AuthKeys } from './signing-keys.js';

export interface AccessTokenIssuerOptions {
  keys: AuthKeys;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** Signs access tokens: EdDSA, header kid, claims sub, email, role, sv (session version), iss, aud, iat, exp and jti. */
export class AccessTokenIssuer {
  constructor(private readonly options: AccessTokenIssuerOptions) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  sign(user: AuthUser): Promise<string> {
    const { keys, issuer, audience, ttlSeconds } = this.options;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: user.email, role: user.role, sv: user.sessionVersion ?? 0 })
      .setProtectedHeader({ alg: keys.signing.alg, kid: keys.signing.kid, typ: 'JWT' })
      .setSubject(String(user.id))
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(randomUUID())
      .sign(keys.signing.privateKey);
  }
}
