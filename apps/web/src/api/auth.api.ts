import type { Page, Role, TokenPair, User } from './api.types';
import {
  REFRESH_COOKIE_MODE,
  refreshSession,
  requestJson,
  requestPage,
  requestVoid,
  signIn,
  signOutLocally,
  withQuery,
} from './http';
import { detectLanguage } from '../i18n/i18n';

/**
 * The last sign-out's request, until it is answered. Its answer clears the refresh cookie, whichever session the
 * cookie belongs to by then: a sign-in waits for it, so a slow sign-out cannot clear the new session's cookie.
 */
let signingOut: Promise<void> = Promise.resolve();

export async function login(email: string, password: string): Promise<void> {
  await signingOut;
  const tokens = await requestJson<TokenPair>('/api/auth/login', {
    method: 'POST',
    auth: 'none',
    body: { email, password },
    headers: REFRESH_COOKIE_MODE,
  });
  signIn(tokens);
}

export async function register(email: string, password: string): Promise<void> {
  await requestJson<Pick<User, 'id' | 'email' | 'role'>>('/api/auth/register', {
    method: 'POST',
    auth: 'none',
    // The account's mail is written in the language the user signed up in.
    body: { email, password, locale: detectLanguage() },
  });
  await login(email, password);
}

/**
 * Revokes the refresh cookie's session on the server (best effort) and forgets the session here. The request is
 * kept alive past the page: a reload or a closed tab right after "Sign out" must not cancel it, or the answer
 * that clears the refresh cookie (or the revocation itself) would be lost.
 */
export async function logout(): Promise<void> {
  signOutLocally();
  signingOut = requestVoid('/api/auth/logout', {
    method: 'POST',
    auth: 'none',
    body: {},
    keepalive: true,
  }).catch(() => {
    // The local session is gone either way; the refresh token will expire on its own.
  });
  await signingOut;
}

export function fetchMe(signal?: AbortSignal): Promise<User> {
  return requestJson<User>('/api/auth/me', { auth: 'required', signal });
}

export function listUsers(
  query: { limit: number; offset: number; q?: string | undefined },
  signal?: AbortSignal,
): Promise<Page<User>> {
  return requestPage<User>(withQuery('/api/auth/users', query), { auth: 'required', signal });
}

export function changeRole(userId: number, role: Role): Promise<User> {
  return requestJson<User>(`/api/auth/users/${userId}`, {
    method: 'PATCH',
    auth: 'required',
    body: { role },
  });
}

/** A single sign-on provider, for its "Sign in with …" button. */
export interface SsoProvider {
  id: string;
  name: string;
}

export function listSsoProviders(signal?: AbortSignal): Promise<SsoProvider[]> {
  return requestJson<SsoProvider[]>('/api/auth/oidc/providers', { auth: 'none', signal });
}

/**
 * Where the browser goes to sign in at `provider`: the server redirects to it, and its callback brings the browser
 * back to /account/sso with the refresh cookie set (no token in any URL), then on to `next`.
 */
export function ssoLoginHref(provider: string, next: string, locale: string): string {
  return withQuery(`/api/auth/oidc/${encodeURIComponent(provider)}/login`, { next, locale });
}

/**
 * Opens a provider's sign-in once the last sign-out is answered: that answer clears the refresh cookie, and it must
 * not clear the one the provider's callback sets (as `login` waits for it too).
 */
export async function openSsoSignIn(href: string): Promise<void> {
  await signingOut;
  window.location.assign(href);
}

/** After the callback: the refresh cookie it set becomes this tab's session. False when there was none to take. */
export async function finishSsoSignIn(): Promise<boolean> {
  return (await refreshSession(null)) !== null;
}
