import { AppError, errors } from '@lectern/kit';

/**
 * A 401 that is about credentials in the body, not the access token: WWW-Authenticate without
 * error="invalid_token" (errors.unauthorized adds that for every code but its default).
 */
const signInAgain = (code: string, detail: string) =>
  new AppError(401, code, detail, { headers: { 'www-authenticate': 'Bearer realm="lectern"' } });

/** The auth service's errors: stable codes, human details, and nothing that tells accounts apart. */
export const authErrors = {
  /** The same answer for an unknown email and a wrong password. */
  invalidCredentials: () => signInAgain('invalid_credentials', 'Invalid credentials'),
  /** The same answer for an unknown, expired, revoked or reused refresh token. */
  invalidRefreshToken: () =>
    signInAgain(
      'invalid_refresh_token',
      'The refresh token is invalid, expired or revoked; please sign in again.',
    ),
  accountGone: () => errors.invalidToken('The account this access token belongs to no longer exists.'),
  emailTaken: () => errors.conflict('An account with this email already exists.', 'email_taken'),
  userNotFound: (id: number) => errors.notFound(`User ${id} does not exist.`, 'user_not_found'),
  lastAdmin: () =>
    errors.conflict(
      'This is the only admin account: make another user admin before changing its role.',
      'last_admin',
    ),
  invalidEmail: (message: string) => errors.validation([{ field: 'body.email', message }]),
  invalidPassword: (message: string) => errors.validation([{ field: 'body.password', message }]),
  /** The same answer for an unknown, expired or already used mail token. */
  invalidMailToken: () =>
    errors.badRequest(
      'This link is invalid, expired or already used; please ask for a new one.',
      'invalid_token',
    ),
  ssoProviderNotFound: (id: string) =>
    errors.notFound(`No sign-in provider "${id}" is configured.`, 'sso_provider_not_found'),
  ssoProviderUnavailable: (name: string, cause: unknown) =>
    new AppError(
      503,
      'sso_provider_unavailable',
      `${name} cannot be reached right now; please try again shortly.`,
      {
        headers: { 'retry-after': '30' },
        cause,
      },
    ),
  /** The provider sent the browser back with an error (the user cancelled, consent refused, …). */
  ssoProviderError: (error: string, description: string | undefined) =>
    errors.badRequest(
      `The provider did not sign you in (${error}${description ? `: ${description}` : ''}).`,
      'sso_provider_error',
    ),
  /** No, a tampered or an expired sign-in cookie: the callback does not belong to a sign-in this browser began. */
  ssoStateInvalid: () =>
    errors.badRequest(
      'This sign-in link is invalid or has expired; please start the sign-in again.',
      'sso_state_invalid',
    ),
  /** The code exchange or the ID token failed its checks (a replayed code, a wrong nonce, a bad signature). */
  ssoFailed: (detail: string, cause?: unknown) =>
    new AppError(400, 'sso_failed', `${detail} Please start the sign-in again.`, { cause }),
  ssoEmailMissing: () =>
    errors.badRequest(
      'The provider did not share your e-mail address, so no account can be found or made for it.',
      'sso_email_missing',
    ),
  /** The provider does not vouch for the address: it could belong to someone else, so no account is linked or made. */
  ssoEmailUnverified: () =>
    new AppError(
      403,
      'sso_email_unverified',
      'The provider has not verified your e-mail address. Verify it there, or sign in with your password.',
    ),
  hashingBusy: () =>
    errors.unavailable('The server is busy checking passwords; please retry in a moment.', 1, 'auth_busy'),
};
