/**
 * Verifies a Lectern certificate with nothing of Lectern but its public JWKS URL:
 *
 *   npx tsx scripts/verify-certificate.ts CREDENTIAL_JWT_OR_FILE --jwks https://lectern.example.edu/api/progress/.well-known/jwks.json
 *
 * Prints what the credential says and exits 0 when the signature, the issuer and the Open Badges 3.0 shape hold;
 * exits 1 with the reason otherwise. Revocation is shown on the certificate's public page and JSON, not in the
 * signed credential.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify } from 'jose';

interface Subject {
  name?: string;
  achievement?: { name?: string; id?: string };
}

export interface VerifiedCertificate {
  id: string;
  issuer: string;
  learner: string;
  achievement: string;
  validFrom: string;
}

/** Checks a credential JWT against a JWKS URL; throws with the reason when it does not hold. */
export async function verifyCertificate(jwt: string, jwksUrl: string): Promise<VerifiedCertificate> {
  const keys = createRemoteJWKSet(new URL(jwksUrl));
  const { payload } = await jwtVerify(jwt, keys, { algorithms: ['EdDSA'] });
  const types = Array.isArray(payload.type) ? (payload.type as unknown[]) : [];
  if (!types.includes('OpenBadgeCredential')) throw new Error('not an OpenBadgeCredential');
  const issuer = payload.issuer as { id?: string } | undefined;
  if (!issuer?.id || issuer.id !== payload.iss)
    throw new Error('the issuer does not match the signed iss claim');
  if (payload.jti !== payload.id) throw new Error('the credential id does not match the signed jti claim');
  const subject = payload.credentialSubject as Subject | undefined;
  if (!subject?.achievement?.name) throw new Error('the credential names no achievement');
  return {
    id: String(payload.id),
    issuer: issuer.id,
    learner: subject.name ?? '(unnamed)',
    achievement: subject.achievement.name,
    validFrom: String(payload.validFrom),
  };
}

async function main(argv: string[]): Promise<number> {
  const jwksIndex = argv.indexOf('--jwks');
  const jwksUrl = jwksIndex >= 0 ? argv[jwksIndex + 1] : undefined;
  const input = argv.find((argument, index) => !argument.startsWith('--') && index !== jwksIndex + 1);
  if (!input || !jwksUrl) {
    console.error('usage: verify-certificate CREDENTIAL_JWT_OR_FILE --jwks JWKS_URL');
    return 2;
  }
  const jwt = existsSync(input) ? readFileSync(input, 'utf8').trim() : input.trim();
  try {
    const verified = await verifyCertificate(jwt, jwksUrl);
    console.log(`valid: ${verified.learner} completed "${verified.achievement}"`);
    console.log(`issued by ${verified.issuer} on ${verified.validFrom}; credential ${verified.id}`);
    return 0;
  } catch (error) {
    console.error(`NOT valid: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  process.exitCode = await main(process.argv.slice(2));
}
