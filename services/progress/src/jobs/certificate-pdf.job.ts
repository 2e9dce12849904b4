import type { JobDefinition } from '@lectern/kit';
import { certificatePdfQueue, type CertificateDocuments } from '../certificates/certificates.service.js';

/** Makes (or remakes, after a revocation) a certificate's PDF off the request path, and stores it. */
export function certificatePdfJob(documents: CertificateDocuments): JobDefinition<{ id: string }> {
  return {
    queue: certificatePdfQueue,
    handle: async ({ id }) => {
      await documents.makeFor(id);
    },
  };
}
