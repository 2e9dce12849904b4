import type { TokenPair } from './api.types';

/**
 * The signed-in user's access token, kept in this tab's memory only: nothing a script injected into the page
 * could read from storage later. The refresh token is an HttpOnly cookie the server sets; a reload gets a
 * new access token through it (restoreSession in http.ts).
 */
export interface Session {
  accessToken: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
  /** The access token's full lifetime, to decide how early to refresh it. */
  lifetimeMs: number;
}

/** Not a secret: only whether a refresh cookie is worth trying on load, and a sign-in/out signal to other tabs. */
const SIGNED_IN_KEY = 'lectern.signed-in';

let current: Session | null = null;
const listeners = new Set<() => void>();

function setSignedIn(signedIn: boolean): void {
  try {
    if (signedIn) localStorage.setItem(SIGNED_IN_KEY, '1');
    else localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    // Storage disabled: this tab still works; a reload asks for a sign-in.
  }
}

/** Whether this browser signed in and has not signed out since: a refresh cookie may be there. */
export function hasSignedInBefore(): boolean {
  try {
    return localStorage.getItem(SIGNED_IN_KEY) === '1';
  } catch {
    return false;
  }
}

export function readSession(): Session | null {
  return current;
}

export function sessionFromTokens(tokens: TokenPair, now = Date.now()): Session {
  const lifetimeMs = Math.max(0, tokens.expires_in) * 1000;
  return { accessToken: tokens.access_token, expiresAt: now + lifetimeMs, lifetimeMs };
}

export function writeSession(session: Session | null): void {
  current = session;
  setSignedIn(session !== null);
  for (const listener of listeners) listener();
}

/** Calls `listener` whenever the session changes, in this tab or (signing in or out) in another one. */
export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== SIGNED_IN_KEY && event.key !== null) return;
    if (!hasSignedInBefore()) current = null;
    for (const listener of listeners) listener();
  });
}
