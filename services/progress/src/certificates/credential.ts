import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/** What a certificate says, in the words of Open Badges 3.0. */
export interface CertificateFacts {
  /** The certificate's public id, also the last segment of its verification URL. */
  id: string;
  courseId: number;
  courseTitle: string;
  courseDescription: string;
  learnerName: string;
  issuedAt: Date;
}

export interface CredentialIssuer {
  /** The platform's public URL, e.g. https://lectern.example.edu: ids and links are built from it. */
  publicUrl: string;
  /** Shown as the issuing organisation. */
  name: string;
  /** The Ed25519 key credentials are signed with, and its kid as published in the JWKS. */
  signing: { kid: string; privateKey: KeyObject };
}

const contexts = [
  'https://www.w3.org/ns/credentials/v2',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
];

function base(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/** The page anyone opens to check a certificate; the credential's id and the PDF's QR code point here. */
export function verificationUrl(publicUrl: string, certificateId: string): string {
  return `${base(publicUrl)}/certificates/${encodeURIComponent(certificateId)}`;
}

/** Where verifiers fetch the public keys of credentials (no other call to Lectern is needed). */
export function credentialJwksUrl(publicUrl: string): string {
  return `${base(publicUrl)}/api/progress/.well-known/jwks.json`;
}

/**
 * An Open Badges 3.0 OpenBadgeCredential as a VC-JWT: the payload is the credential itself, with the registered
 * claims the VC-JWT format maps onto it (iss = issuer id, jti = credential id, nbf = validFrom, sub = subject),
 * signed with EdDSA and naming its key by kid. The learner is named, not e-mailed: a certificate is shown to
 * strangers.
 */
export async function signOpenBadgeCredential(
  facts: CertificateFacts,
  issuer: CredentialIssuer,
): Promise<string> {
  const root = base(issuer.publicUrl);
  const credentialId = verificationUrl(root, facts.id);
  const subjectId = `${credentialId}#subject`;
  const validFrom = facts.issuedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const credential = {
    '@context': contexts,
    id: credentialId,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: facts.courseTitle,
    issuer: { id: root, type: ['Profile'], name: issuer.name, url: root },
    validFrom,
    credentialSubject: {
      id: subjectId,
      type: ['AchievementSubject'],
      name: facts.learnerName,
      achievement: {
        id: `${root}/courses/${facts.courseId}`,
        type: ['Achievement'],
        achievementType: 'Certificate',
        name: facts.courseTitle,
        description: facts.courseDescription || facts.courseTitle,
        criteria: { narrative: 'Completed every lesson of the course, quizzes passed.' },
      },
    },
  };
  return new SignJWT(credential)
    .setProtectedHeader({ alg: 'EdDSA', kid: issuer.signing.kid, typ: 'JWT' })
    .setIssuer(root)
    .setJti(credentialId)
    .setSubject(subjectId)
    .setNotBefore(Math.floor(facts.issuedAt.getTime() / 1000))
    .sign(issuer.signing.privateKey);
}
