import { useId, useState, type SubmitEvent } from 'react';
import { Link, Redirect, useSearch } from 'wouter';
import { safeNext, useAuth } from '../../auth/auth';
import { useDocumentTitle } from '../../components/document-title';
import { CredentialField } from '../../components/field';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { useT } from '../../i18n/i18n';
import { SsoButtons } from './sso.page';

type Mode = 'login' | 'register';

function AuthForm({ mode }: { mode: Mode }) {
  const t = useT();
  const auth = useAuth();
  const id = useId();
  const search = useSearch();
  const next = safeNext(new URLSearchParams(search).get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const isLogin = mode === 'login';
  useDocumentTitle(isLogin ? t.auth.signInTitle : t.auth.registerTitle);

  // Signed in (just now, or already): go where the user was headed.
  if (auth.user !== null) return <Redirect to={next} replace />;

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setError(undefined);
    const action = isLogin ? auth.signIn(email.trim(), password) : auth.register(email.trim(), password);
    action
      .catch((reason: unknown) => {
        setError(reason);
      })
      .finally(() => {
        setPending(false);
      });
  };

  const emailError = fieldError(error, 'email');
  const passwordError = fieldError(error, 'password');
  const otherMode = search === '' ? '' : `?${search}`;

  return (
    <div className="auth-card panel stack">
      <h1>{isLogin ? t.auth.signInTitle : t.auth.registerTitle}</h1>
      {isLogin && auth.sessionExpired && (
        <p className="alert alert-info" data-testid="session-expired">
          {t.errors.sessionExpired}
        </p>
      )}
      <form className="stack" onSubmit={submit} data-testid={`${mode}-form`} aria-busy={pending}>
        <CredentialField
          id={`${id}-email`}
          label={t.auth.email}
          type="email"
          autoComplete={isLogin ? 'username' : 'email'}
          value={email}
          onChange={setEmail}
          error={emailError}
          testId={`${mode}-email`}
        />
        <CredentialField
          id={`${id}-password`}
          label={t.auth.password}
          hint={isLogin ? undefined : t.auth.passwordHint}
          type="password"
          autoComplete={isLogin ? 'current-password' : 'new-password'}
          value={password}
          onChange={setPassword}
          error={passwordError}
          testId={`${mode}-password`}
        />
        {error !== undefined && <ErrorMessage error={error} testId="form-error" />}
        {isLogin && (
          <Link href="/account/forgot-password" data-testid="to-forgot">
            {t.account.forgotLink}
          </Link>
        )}
        <button type="submit" className="button button-large" data-testid={`${mode}-submit`}>
          {pending
            ? isLogin
              ? t.auth.signingIn
              : t.auth.registering
            : isLogin
              ? t.auth.signInSubmit
              : t.auth.registerSubmit}
        </button>
      </form>
      {isLogin && <SsoButtons next={next} />}
      <p className="muted">
        {isLogin ? t.auth.noAccount : t.auth.haveAccount}{' '}
        <Link
          href={`${isLogin ? '/register' : '/login'}${otherMode}`}
          data-testid={isLogin ? 'to-register' : 'to-login'}
        >
          {isLogin ? t.auth.registerLink : t.auth.signInLink}
        </Link>
      </p>
    </div>
  );
}

export function LoginPage() {
  return <AuthForm mode="login" />;
}

export function RegisterPage() {
  return <AuthForm mode="register" />;
}
