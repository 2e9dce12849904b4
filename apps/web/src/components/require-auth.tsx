import type { ReactNode } from 'react';
import { Redirect, useLocation, useSearch } from 'wouter';
import type { Role } from '../api/api.types';
import { hasRole, loginPath, useAuth } from '../auth/auth';
import { useT } from '../i18n/i18n';
import { Loading } from './loading';

interface RequireAuthProps {
  roles?: readonly Role[];
  /** Shown instead of the generic message when the user lacks the role. */
  forbiddenMessage?: string;
  children: ReactNode;
}

/** Renders `children` for a signed-in user with one of `roles`; sends anyone else to sign in. */
export function RequireAuth({ roles, forbiddenMessage, children }: RequireAuthProps) {
  const t = useT();
  const auth = useAuth();
  const [pathname] = useLocation();
  const search = useSearch();

  switch (auth.state.status) {
    case 'loading':
      return <Loading />;
    case 'error':
      // The layout already shows the account error with a retry button.
      return null;
    case 'anonymous':
      return <Redirect to={loginPath(search === '' ? pathname : `${pathname}?${search}`)} replace />;
    case 'authenticated':
      if (roles !== undefined && !hasRole(auth.state.user, roles)) {
        return (
          <div className="alert alert-info" role="alert" data-testid="forbidden">
            <p>{forbiddenMessage ?? t.errors.forbidden}</p>
          </div>
        );
      }
      return children;
  }
}
