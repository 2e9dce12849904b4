import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { authenticated, requireUser } from '@lectern/kit';
import type { CertificatesService } from '../certificates/certificates.service.js';
import {
  certificatePdfSchema,
  certificateSchema,
  credentialJwksSchema,
  myCertificatesSchema,
  revokeCertificateSchema,
} from './certificates.schemas.js';

/** Certificates: the learner's list and the admin's revoke need a token; checking one never does. */
export const certificateRoutes: FastifyPluginCallbackTypebox<{ certificates: CertificatesService }> = (
  app,
  { certificates },
  done,
) => {
  app.get('/api/progress/.well-known/jwks.json', { schema: credentialJwksSchema }, () => certificates.jwks());

  app.get('/api/progress/certificates/:id', { schema: certificateSchema }, async (request) =>
    certificates.view(request.params.id),
  );

  app.get('/api/progress/certificates/:id/pdf', { schema: certificatePdfSchema }, async (request, reply) => {
    const pdf = await certificates.pdf(request.params.id);
    return reply
      .type('application/pdf')
      .header('content-disposition', `inline; filename="certificate-${request.params.id}.pdf"`)
      .send(pdf);
  });

  app.get(
    '/api/progress/my/certificates',
    { schema: myCertificatesSchema, onRequest: authenticated },
    async (request) => certificates.mine(requireUser(request)),
  );

  app.post(
    '/api/progress/certificates/:id/revoke',
    { schema: revokeCertificateSchema, onRequest: authenticated },
    async (request) => certificates.revoke(requireUser(request), request.params.id),
  );
  done();
};
