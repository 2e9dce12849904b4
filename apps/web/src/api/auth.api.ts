import type { Page, Role, TokenPair, User } from './api.types';
import { requestJson, requestPage, requestVoid, signIn, signOutLocally, withQuery } from './http';
import { readSession } from './session';

export async function login(email: string, password: string): Promise<void> {
  const tokens = await requestJson<TokenPair>('/api/auth/login', {
    method: 'POST',
    auth: 'none',
    body: { email, password },
  });
  signIn(tokens);
}

export async function register(email: string, password: string): Promise<void> {
  await requestJson<Pick<User, 'id' | 'email' | 'role'>>('/api/auth/register', {
    method: 'POST',
    auth: 'none',
    body: { email, password },
  });
  await login(email, password);
}

/** Revokes the refresh token on the server (best effort) and forgets the session here. */
export async function logout(): Promise<void> {
  const session = readSession();
  signOutLocally();
  if (session === null) return;
  try {
    await requestVoid('/api/auth/logout', {
      method: 'POST',
      auth: 'none',
      body: { refresh_token: session.refreshToken },
    });
  } catch {
    // The local session is gone either way; the refresh token will expire on its own.
  }
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
