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
  hashingBusy: () =>
    errors.unavailable('The server is busy checking passwords; please retry in a moment.', 1, 'auth_busy'),
};
