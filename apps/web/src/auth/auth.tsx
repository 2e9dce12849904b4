import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLocation } from 'wouter';
import * as authApi from '../api/auth.api';
import type { Role, User } from '../api/api.types';
import { ApiError, onSessionExpired, restoreSession, startSessionKeeper } from '../api/http';
import { hasSignedInBefore, readSession, subscribeSession } from '../api/session';

export type AuthState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'authenticated'; user: User }
  | { status: 'error'; error: unknown };

interface Auth {
  state: AuthState;
  user: User | null;
  /** True after the server stopped accepting the session, until the next sign-in. */
  sessionExpired: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  register: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  reload: () => void;
}

const AuthContext = createContext<Auth | null>(null);

const AUTH_PAGES = ['/login', '/register'];

/** Where to send the user to sign in, so that they come back to `path` afterwards. */
export function loginPath(path: string): string {
  return path === '/' ? '/login' : `/login?next=${encodeURIComponent(path)}`;
}

/**
 * `next` from the query string as a path on this site. It is parsed as a URL against this origin, as the
 * browser would, so `//evil`, `/\\evil` and `/\t/evil` (the URL parser drops tabs and newlines) all resolve
 * elsewhere and give '/'. Only a same-origin path, search and hash come back.
 */
export function safeNext(next: string | null, origin = window.location.origin): string {
  if (next === null || !next.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>(() =>
    readSession() === null && !hasSignedInBefore() ? { status: 'anonymous' } : { status: 'loading' },
  );
  const [sessionExpired, setSessionExpired] = useState(false);
  const [, navigate] = useLocation();
  const loadCount = useRef(0);
  const signingIn = useRef(false);
  const stateRef = useRef(state);

  useEffect(() => {
    stateRef.current = state;
  }, [state]);

  const loadUser = useCallback(async () => {
    const load = ++loadCount.current;
    const session = await restoreSession().catch(() => null);
    if (session === null) {
      if (load === loadCount.current) setState({ status: 'anonymous' });
      return;
    }
    setState((current) => (current.status === 'authenticated' ? current : { status: 'loading' }));
    try {
      const user = await authApi.fetchMe();
      if (load === loadCount.current) setState({ status: 'authenticated', user });
    } catch (error) {
      if (load !== loadCount.current) return;
      if (error instanceof ApiError && error.status === 401) setState({ status: 'anonymous' });
      else setState({ status: 'error', error });
    }
  }, []);

  useEffect(() => {
    const stopKeeper = startSessionKeeper();
    if (readSession() !== null || hasSignedInBefore()) void loadUser();

    const stopSession = subscribeSession(() => {
      const hasSession = readSession() !== null || hasSignedInBefore();
      if (!hasSession) {
        loadCount.current++;
        setState({ status: 'anonymous' });
      } else if (stateRef.current.status !== 'authenticated' && !signingIn.current) {
        void loadUser();
      }
    });

    const stopExpiry = onSessionExpired(() => {
      setSessionExpired(true);
      const { pathname, search } = window.location;
      if (!AUTH_PAGES.includes(pathname)) navigate(loginPath(pathname + search));
    });

    return () => {
      stopKeeper();
      stopSession();
      stopExpiry();
    };
  }, [loadUser, navigate]);

  const afterSignIn = useCallback(
    async (action: () => Promise<void>) => {
      signingIn.current = true;
      try {
        await action();
        setSessionExpired(false);
        await loadUser();
      } finally {
        signingIn.current = false;
      }
    },
    [loadUser],
  );

  const value = useMemo<Auth>(
    () => ({
      state,
      user: state.status === 'authenticated' ? state.user : null,
      sessionExpired,
      signIn: (email, password) => afterSignIn(() => authApi.login(email, password)),
      register: (email, password) => afterSignIn(() => authApi.register(email, password)),
      signOut: async () => {
        setSessionExpired(false);
        await authApi.logout();
      },
      reload: () => void loadUser(),
    }),
    [state, sessionExpired, afterSignIn, loadUser],
  );

  return <AuthContext value={value}>{children}</AuthContext>;
}

export function useAuth(): Auth {
  const context = use(AuthContext);
  if (context === null) throw new Error('useAuth must be used inside <AuthProvider>');
  return context;
}

export function hasRole(user: User | null, roles: readonly Role[]): boolean {
  return user !== null && roles.includes(user.role);
}

export const STUDIO_ROLES: readonly Role[] = ['instructor', 'admin'];
