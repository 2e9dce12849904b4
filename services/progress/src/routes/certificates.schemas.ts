import { Type } from '@sinclair/typebox';
import { bearerSecurity, problemSchema } from '@lectern/kit';

const timestamp = Type.String({ format: 'date-time' });

const certificateParams = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: "the certificate's public id" }),
});

const certificateSummary = Type.Object({
  id: Type.String(),
  course_id: Type.Integer(),
  course_title: Type.String(),
  issued_at: timestamp,
  revoked: Type.Boolean(),
});

const certificate = Type.Object({
  id: Type.String(),
  course_id: Type.Integer(),
  course_title: Type.String(),
  learner: Type.String(),
  issued_at: timestamp,
  revoked: Type.Boolean(),
  revoked_at: Type.Union([timestamp, Type.Null()]),
  credential: Type.String({
    description: 'an Open Badges 3.0 OpenBadgeCredential as a VC-JWT (EdDSA), verifiable with jwks_url alone',
  }),
  jwks_url: Type.String({ description: 'the public keys certificates are signed with' }),
});

const publicTags = { tags: ['certificates'] };
const signedIn = { tags: ['certificates'], security: bearerSecurity };

export const myCertificatesSchema = {
  ...signedIn,
  summary: "The signed-in learner's certificates, newest first",
  response: { 200: Type.Array(certificateSummary), 401: problemSchema, 503: problemSchema },
};

export const certificateSchema = {
  ...publicTags,
  summary: 'A certificate as anyone may check it (no token): valid or revoked, and its signed credential',
  params: certificateParams,
  response: { 200: certificate, 404: problemSchema, 422: problemSchema, 503: problemSchema },
};

export const certificatePdfSchema = {
  ...publicTags,
  summary: 'The certificate as a PDF (no token); a revoked one says so across the page',
  params: certificateParams,
  produces: ['application/pdf'],
  response: {
    200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
    404: problemSchema,
    422: problemSchema,
    503: problemSchema,
  },
};

export const revokeCertificateSchema = {
  ...signedIn,
  summary: 'Revoke a certificate (admin); revoking again keeps the first date',
  params: certificateParams,
  response: {
    200: certificate,
    401: problemSchema,
    403: problemSchema,
    404: problemSchema,
    422: problemSchema,
    503: problemSchema,
  },
};

export const credentialJwksSchema = {
  ...publicTags,
  summary: 'The public keys certificates are signed with (JWKS)',
  response: {
    200: Type.Object({
      keys: Type.Array(
        Type.Object(
          {
            kty: Type.String(),
            crv: Type.String(),
            x: Type.String(),
            y: Type.Optional(Type.String()),
            kid: Type.String(),
            alg: Type.String(),
            use: Type.String(),
          },
          { additionalProperties: false },
        ),
      ),
    }),
  },
};

export const courseAnalyticsSchema = {
  tags: ['analytics'],
  security: bearerSecurity,
  summary: "A course's learners and drop-off funnel, from counters kept by the writes (owner or admin)",
  description:
    'reached_percent: the share of enrolled learners who completed the lesson; completion_rate: completed ' +
    'learners per 100 enrolled; median_days_to_complete: whole days from enrolment to completion.',
  params: Type.Object({
    course_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'a course id' }),
  }),
  response: {
    200: Type.Object({
      enrolled: Type.Integer(),
      started: Type.Integer(),
      completed: Type.Integer(),
      completion_rate: Type.Number(),
      median_days_to_complete: Type.Union([Type.Number(), Type.Null()]),
      lessons: Type.Array(
        Type.Object({ lesson_id: Type.Integer(), completed: Type.Integer(), reached_percent: Type.Number() }),
      ),
    }),
    401: problemSchema,
    403: problemSchema,
    404: problemSchema,
    422: problemSchema,
    503: problemSchema,
  },
};
