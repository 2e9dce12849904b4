import type { TokenPair } from './api.types';

/** The signed-in user's tokens as kept in localStorage (shared by every tab of the app). */
export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
  /** The access token's full lifetime, to decide how early to refresh it. */
  lifetimeMs: number;
}

const STORAGE_KEY = 'lectern.session';

let memoryFallback: string | null = null;
const listeners = new Set<() => void>();

function readRaw(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return memoryFallback;
  }
}

function writeRaw(value: string | null): void {
  memoryFallback = value;
  try {
    if (value === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Storage disabled (private mode, quota): the in-memory copy keeps this tab signed in.
  }
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.accessToken === 'string' &&
    typeof candidate.refreshToken === 'string' &&
    typeof candidate.expiresAt === 'number' &&
    typeof candidate.lifetimeMs === 'number'
  );
}

export function readSession(): Session | null {
  const raw = readRaw();
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isSession(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export function sessionFromTokens(tokens: TokenPair, now = Date.now()): Session {
  const lifetimeMs = Math.max(0, tokens.expires_in) * 1000;
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: now + lifetimeMs,
    lifetimeMs,
  };
}

export function writeSession(session: Session | null): void {
  writeRaw(session === null ? null : JSON.stringify(session));
  for (const listener of listeners) listener();
}

/** Calls `listener` whenever the session changes, in this tab or in another one. */
export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== STORAGE_KEY && event.key !== null) return;
    for (const listener of listeners) listener();
  });
}
