import { bearerSecurity, requireUser } from '@lectern/kit';
import { Type } from '@sinclair/typebox';
import type { EmailVerificationService } from '../email-verification.service.js';
import type { PasswordResetService } from '../password-reset.service.js';
import { perIpLimits } from './attempt-limits.js';
import {
  Accepted,
  ForgotPasswordBody,
  problemResponses,
  ResetPasswordBody,
  VerifyEmailBody,
} from './auth.schemas.js';
import type { AuthApp } from './auth-app.js';
import { strictBody } from './strict-body.js';

export interface AccountMailRoutesOptions {
  passwordReset: PasswordResetService;
  emailVerification: EmailVerificationService;
  attempts: { max: number; windowMs: number };
  /** ACCOUNT_MAIL_PER_HOUR, for the docs. */
  mailPerHour: number;
}

const forgotAnswer = {
  status: 'accepted',
  detail: 'If an account uses this address, a link to reset its password is on its way.',
} as const;

/** Password reset and e-mail verification (DESIGN §13): the requests that mail a link and those that use one. */
export function accountMailRoutes(app: AuthApp, options: AccountMailRoutesOptions): void {
  const { passwordReset, emailVerification, attempts, mailPerHour } = options;
  const perIp = perIpLimits(app, attempts, { showHeaders: true });
  const ownLimits = { rateLimit: false } as const;
  const limitsText = `${attempts.max} attempts per ${attempts.windowMs / 1000} s per client IP`;

  app.post(
    '/api/auth/password/forgot',
    {
      config: ownLimits,
      preValidation: strictBody(ForgotPasswordBody),
      preHandler: [perIp('auth:forgot-ip')],
      schema: {
        tags: ['auth'],
        summary: 'Mail a password-reset link (valid 30 minutes, single use) if the address has an account',
        description:
          `Always 202 with the same body, whether or not the account exists. ${limitsText}; ` +
          `at most ${mailPerHour} mails per address per hour.`,
        body: ForgotPasswordBody,
        response: { 202: Accepted, ...problemResponses },
      },
    },
    async (request, reply) => {
      await passwordReset.requestReset(request.body.email);
      return reply.code(202).send(forgotAnswer);
    },
  );

  app.post(
    '/api/auth/password/reset',
    {
      config: ownLimits,
      preValidation: strictBody(ResetPasswordBody),
      preHandler: [perIp('auth:reset-ip')],
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a mailed token; every session of the account ends',
        description: `400 invalid_token for a used, expired or unknown token. ${limitsText}.`,
        body: ResetPasswordBody,
        response: { 204: Type.Null({ description: 'password changed' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      await passwordReset.reset(request.body.token, request.body.password);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/auth/email/verify',
    {
      config: ownLimits,
      preValidation: strictBody(VerifyEmailBody),
      preHandler: [perIp('auth:verify-ip')],
      schema: {
        tags: ['auth'],
        summary: 'Confirm an address with the token mailed to it',
        description: `400 invalid_token for a used, expired or unknown token. ${limitsText}.`,
        body: VerifyEmailBody,
        response: { 204: Type.Null({ description: 'address verified' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      await emailVerification.verify(request.body.token);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/auth/email/verification',
    {
      schema: {
        tags: ['auth'],
        summary: "Mail a new verification link to the signed-in account's address",
        description: `202 also when the address is verified already (then nothing is sent); at most ${mailPerHour} mails per address per hour.`,
        security: bearerSecurity,
        response: { 202: Accepted, ...problemResponses },
      },
    },
    async (request, reply) => {
      await emailVerification.resend(requireUser(request).id);
      return reply
        .code(202)
        .send({ status: 'accepted', detail: 'A new verification link is on its way.' } as const);
    },
  );
}
