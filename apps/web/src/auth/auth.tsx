import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLocation } from 'wouter';
import * as authApi from '../api/auth.api';
import type { Role, User } from '../api/api.types';
import { ApiError, onSessionExpired, startSessionKeeper } from '../api/http';
import { readSession, subscribeSession } from '../api/session';

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

/** `next` from the query string, if it is a path on this site (never another origin). */
export function safeNext(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>(() =>
    readSession() === null ? { status: 'anonymous' } : { status: 'loading' },
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
    if (readSession() === null) {
      setState({ status: 'anonymous' });
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
    if (readSession() !== null) void loadUser();

    const stopSession = subscribeSession(() => {
      const hasSession = readSession() !== null;
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
