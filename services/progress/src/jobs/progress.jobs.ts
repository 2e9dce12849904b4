import type { Database, JobQueue } from '@lectern/kit';
import { CertificatesRepository } from '../certificates/certificates.repository.js';
import { CertificateDocuments } from '../certificates/certificates.service.js';
import { certificatePdfJob } from './certificate-pdf.job.js';

/**
 * Registers the progress service's jobs on `jobs`: API processes need the queues to enqueue, the worker (or the
 * all-in-one process) also runs them.
 */
export async function registerProgressJobs(
  jobs: JobQueue,
  options: { database: Database; publicUrl: string },
): Promise<CertificateDocuments> {
  const documents = new CertificateDocuments(new CertificatesRepository(options.database), options.publicUrl);
  await jobs.register(certificatePdfJob(documents));
  return documents;
}
