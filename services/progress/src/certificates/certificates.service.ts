import { randomBytes } from 'node:crypto';
import type { AuthUser, Database, JobQueue, SigningKeys } from '@lectern/kit';
import type { AuthClient } from '../auth.client.js';
import type { CoursesClient } from '../courses.client.js';
import { progressErrors } from '../progress.errors.js';
import type { ProgressRepository } from '../progress.repository.js';
import { renderCertificatePdf } from './certificate.pdf.js';
import type { CertificateRecord, CertificatesRepository } from './certificates.repository.js';
import { credentialJwksUrl, signOpenBadgeCredential, verificationUrl } from './credential.js';

export const certificatePdfQueue = 'progress-certificate-pdf';

export interface CertificateSummaryView {
  id: string;
  course_id: number;
  course_title: string;
  issued_at: string;
  revoked: boolean;
}

export interface CertificateView extends CertificateSummaryView {
  learner: string;
  revoked_at: string | null;
  credential: string;
  jwks_url: string;
}

export interface CertificatesOptions {
  publicUrl: string;
  issuerName: string;
  keys: SigningKeys;
  /** Where the PDF job is enqueued; null: PDFs are made when first asked for. */
  jobs: JobQueue | null;
}

/** Pending checks drained per round: a round holds their rows locked, so it stays short. */
const drainBatch = 100;

/**
 * Certificates: issued once, when a learner has completed every current lesson of a course; signed as an Open
 * Badges credential at once, the PDF made by a job. The completion write path only records that a course may be
 * complete (a row in progress.certificate_checks, in the completion's own transaction), so issuing never slows a
 * completion and is never lost: `drain` turns those rows into certificates after the commit, on any replica.
 */
export class CertificatesService {
  private draining: Promise<void> | null = null;
  /** Drain calls so far: one that arrives during a round makes the round run again. */
  private requests = 0;

  constructor(
    private readonly database: Database,
    private readonly repository: CertificatesRepository,
    private readonly progress: ProgressRepository,
    private readonly courses: CoursesClient,
    private readonly auth: AuthClient,
    private readonly documents: CertificateDocuments,
    private readonly options: CertificatesOptions,
  ) {}

  /** Issues what pending checks show complete; concurrent calls share one round, and a call during it runs another. */
  drain(): Promise<void> {
    this.requests += 1;
    if (this.draining) return this.draining;
    this.draining = (async () => {
      try {
        let seen: number;
        do {
          seen = this.requests;
          while ((await this.drainRound()) === drainBatch);
        } while (this.requests !== seen);
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  private async drainRound(): Promise<number> {
    return this.database.db.transaction(async (tx) => {
      const checks = await this.progress.takeCertificateChecks(tx, drainBatch);
      for (const check of checks) {
        const outline = await this.courses.outline(check.courseId);
        if (!outline || outline.lesson_ids.length === 0) continue;
        const completions = await this.progress.completionsOfLessons(check.userId, outline.lesson_ids);
        if (completions.length < outline.lesson_ids.length) continue;
        const lastCompletedAt = new Date(Math.max(...completions.map((item) => item.completedAt.getTime())));
        const startedAt = (await this.progress.enrollment(check.userId, check.courseId)) ?? lastCompletedAt;
        const learner = (await this.auth.emailsOf([check.userId])).get(check.userId) ?? `#${check.userId}`;
        const id = randomBytes(16).toString('base64url');
        const facts = {
          id,
          courseId: check.courseId,
          courseTitle: outline.title,
          courseDescription: '',
          learnerName: learner,
          issuedAt: lastCompletedAt,
        };
        const credential = await signOpenBadgeCredential(facts, this.issuer());
        const issued = await this.repository.issue(tx, {
          ...facts,
          userId: check.userId,
          learner,
          locale: 'en',
          credential,
          startedAt,
        });
        if (issued && this.options.jobs) await this.options.jobs.enqueue(tx, certificatePdfQueue, { id });
      }
      return checks.length;
    });
  }

  async mine(user: AuthUser): Promise<CertificateSummaryView[]> {
    return (await this.repository.ofLearner(user.id)).map(summaryView);
  }

  async view(id: string): Promise<CertificateView> {
    const certificate = await this.repository.byId(id);
    if (!certificate) throw progressErrors.certificateNotFound(id);
    return this.fullView(certificate);
  }

  async revoke(user: AuthUser, id: string): Promise<CertificateView> {
    if (user.role !== 'admin') throw progressErrors.adminOnly();
    const certificate = await this.repository.revoke(id);
    if (!certificate) throw progressErrors.certificateNotFound(id);
    if (this.options.jobs) await this.options.jobs.enqueue(this.database.db, certificatePdfQueue, { id });
    return this.fullView(certificate);
  }

  /** The PDF as the job stored it for the certificate's current state, else made now and stored. */
  async pdf(id: string): Promise<Buffer> {
    const certificate = await this.repository.byId(id);
    if (!certificate) throw progressErrors.certificateNotFound(id);
    return (
      (await this.repository.pdf(id, certificate.revokedAt !== null)) ?? this.documents.make(certificate)
    );
  }

  jwks(): SigningKeys['jwks'] {
    return this.options.keys.jwks;
  }

  private issuer() {
    return {
      publicUrl: this.options.publicUrl,
      name: this.options.issuerName,
      signing: this.options.keys.signing,
    };
  }

  private fullView(certificate: CertificateRecord): CertificateView {
    return {
      ...summaryView(certificate),
      learner: certificate.learner,
      revoked_at: certificate.revokedAt?.toISOString() ?? null,
      credential: certificate.credential,
      jwks_url: credentialJwksUrl(this.options.publicUrl),
    };
  }
}

function summaryView(certificate: CertificateRecord): CertificateSummaryView {
  return {
    id: certificate.id,
    course_id: certificate.courseId,
    course_title: certificate.courseTitle,
    issued_at: certificate.issuedAt.toISOString(),
    revoked: certificate.revokedAt !== null,
  };
}

/** Makes a certificate's PDF for its current state and stores it: the job does this, and so does a first download. */
export class CertificateDocuments {
  constructor(
    private readonly repository: CertificatesRepository,
    private readonly publicUrl: string,
  ) {}

  async make(certificate: CertificateRecord): Promise<Buffer> {
    const pdf = await renderCertificatePdf({
      courseTitle: certificate.courseTitle,
      learnerName: certificate.learner,
      issuedAt: certificate.issuedAt,
      verificationUrl: verificationUrl(this.publicUrl, certificate.id),
      revokedAt: certificate.revokedAt,
      locale: certificate.locale,
    });
    await this.repository.storePdf(certificate.id, certificate.revokedAt !== null, pdf);
    return pdf;
  }

  /** The PDF job's work: a certificate deleted meanwhile has nothing to make. */
  async makeFor(id: string): Promise<void> {
    const certificate = await this.repository.byId(id);
    if (certificate) await this.make(certificate);
  }
}
