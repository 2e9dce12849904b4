import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCertificate } from '../../../scripts/verify-certificate.js';
import { renderCertificatePdf } from '../src/certificates/certificate.pdf.js';
import { signOpenBadgeCredential, verificationUrl } from '../src/certificates/credential.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const facts = {
  id: 'c3VyZWx5LXVuaXF1ZQ',
  courseId: 42,
  courseTitle: 'Основы Python',
  courseDescription: 'Переменные, циклы и функции',
  learnerName: 'anna@example.com',
  issuedAt: new Date('2026-11-02T10:00:00Z'),
};

async function publishedKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = { ...(await exportJWK(publicKey)), alg: 'EdDSA', use: 'sig' };
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, jwks: { keys: [{ ...jwk, kid }] }, kid };
}

describe('a certificate credential', () => {
  let server: Server;
  let jwksUrl: string;
  let credential: string;
  let otherCredential: string;

  beforeAll(async () => {
    const key = await publishedKey();
    const stranger = await publishedKey();
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(key.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const issuer = { publicUrl: 'https://lectern.example.edu/', name: 'Lectern' };
    credential = await signOpenBadgeCredential(facts, { ...issuer, signing: key });
    otherCredential = await signOpenBadgeCredential(facts, {
      ...issuer,
      signing: { kid: key.kid, privateKey: stranger.privateKey },
    });
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('when decoded, then it is an Open Badges 3.0 OpenBadgeCredential signed with EdDSA under the published kid', () => {
    const header = decodeProtectedHeader(credential);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    const payload = decodeJwt(credential);
    expect(payload['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ]);
    expect(payload.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(payload).toMatchObject({
      id: 'https://lectern.example.edu/certificates/c3VyZWx5LXVuaXF1ZQ',
      iss: 'https://lectern.example.edu',
      jti: 'https://lectern.example.edu/certificates/c3VyZWx5LXVuaXF1ZQ',
      nbf: Math.floor(facts.issuedAt.getTime() / 1000),
      validFrom: '2026-11-02T10:00:00Z',
      issuer: { id: 'https://lectern.example.edu', type: ['Profile'] },
      credentialSubject: {
        type: ['AchievementSubject'],
        name: 'anna@example.com',
        achievement: {
          type: ['Achievement'],
          name: 'Основы Python',
          criteria: { narrative: 'Completed every lesson of the course, quizzes passed.' },
        },
      },
    });
  });

  it('when checked with nothing but the JWKS URL, then it is valid', async () => {
    await expect(verifyCertificate(credential, jwksUrl)).resolves.toEqual({
      id: 'https://lectern.example.edu/certificates/c3VyZWx5LXVuaXF1ZQ',
      issuer: 'https://lectern.example.edu',
      learner: 'anna@example.com',
      achievement: 'Основы Python',
      validFrom: '2026-11-02T10:00:00Z',
    });
  });

  it('when signed by another key or altered, then the verification script says it is not valid', async () => {
    await expect(verifyCertificate(otherCredential, jwksUrl)).rejects.toThrow(/signature/);
    const [header, , signature] = credential.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...decodeJwt(credential), name: 'Advanced Python' }),
    ).toString('base64url');
    await expect(verifyCertificate(`${header}.${forged}.${signature}`, jwksUrl)).rejects.toThrow(/signature/);
  });

  // Asynchronous: the JWKS is served by this process, which must keep answering while the command runs.
  const run = (args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(join(root, 'node_modules/.bin/tsx'), args, { encoding: 'utf8' }, (error, stdout, stderr) => {
        resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
      });
    });

  it('when the script runs as a command, then it exits 0 for a valid credential and 1 for a forged one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lectern-credential-')), 'credential.jwt');
    writeFileSync(file, credential);
    const script = join(root, 'scripts/verify-certificate.ts');
    const valid = await run([script, file, '--jwks', jwksUrl]);
    expect(valid.stdout).toContain('valid: anna@example.com completed "Основы Python"');
    expect(valid.status).toBe(0);
    const forged = await run([script, otherCredential, '--jwks', jwksUrl]);
    expect(forged.stderr).toContain('NOT valid');
    expect(forged.status).toBe(1);
  });
});

describe('a certificate PDF', () => {
  const pdfText = (pdf: Buffer): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'lectern-pdf-')), 'certificate.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  };

  it('when rendered in Russian, then it names the learner, the course, the date and the verification link', async () => {
    const url = verificationUrl('https://lectern.example.edu', facts.id);
    const pdf = await renderCertificatePdf({ ...facts, verificationUrl: url, revokedAt: null, locale: 'ru' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Сертификат о прохождении курса');
    expect(text).toContain('anna@example.com');
    expect(text).toContain('Основы Python');
    expect(text).toContain('2 ноября 2026');
    expect(text).toContain(url);
    expect(text).not.toContain('Отозван');
  });

  it('when the certificate is revoked, then the PDF says so across the page', async () => {
    const url = verificationUrl('https://lectern.example.edu', facts.id);
    const pdf = await renderCertificatePdf({
      ...facts,
      verificationUrl: url,
      revokedAt: new Date('2026-11-20T08:00:00Z'),
      locale: 'en',
    });
    const text = pdfText(pdf);
    expect(text).toContain('Certificate of completion');
    expect(text).toContain('Revoked on 20 November 2026');
  });
});
