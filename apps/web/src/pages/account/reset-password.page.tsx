import { useId, useState, type SubmitEvent } from 'react';
import { Link } from 'wouter';
import { resetPassword, tokenFromFragment } from '../../api/account.api';
import { ApiError } from '../../api/http';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { CredentialField } from '../../components/field';
import { useT } from '../../i18n/i18n';
import { useAction } from '../../lib/use-action';

export function isInvalidLink(error: unknown): boolean {
  return error instanceof ApiError && error.problem.code === 'invalid_token';
}

export function ResetPasswordPage() {
  const t = useT();
  const id = useId();
  const [token] = useState(() => tokenFromFragment(window.location.hash));
  const [password, setPassword] = useState('');
  const { pending, error, run } = useAction();
  const [done, setDone] = useState(false);
  useDocumentTitle(t.account.resetTitle);

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    run(async () => {
      await resetPassword(token, password);
      setDone(true);
    });
  };

  const invalid = token === '' || isInvalidLink(error);
  return (
    <div className="auth-card panel stack">
      <h1>{t.account.resetTitle}</h1>
      {done ? (
        <p className="alert alert-info" role="status" data-testid="reset-done">
          {t.account.resetDone}
        </p>
      ) : invalid ? (
        <p className="alert alert-error" role="alert" data-testid="reset-invalid">
          {t.account.invalidLink}{' '}
          <Link href="/account/forgot-password" data-testid="ask-again">
            {t.account.askAgain}
          </Link>
        </p>
      ) : (
        <form className="stack" onSubmit={submit} data-testid="reset-form" aria-busy={pending}>
          <CredentialField
            id={`${id}-password`}
            label={t.account.newPassword}
            hint={t.auth.passwordHint}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
            error={fieldError(error, 'password')}
            testId="reset-password"
          />
          {error !== undefined && <ErrorMessage error={error} testId="form-error" />}
          <button type="submit" className="button button-large" data-testid="reset-submit">
            {pending ? t.account.resetting : t.account.resetSubmit}
          </button>
        </form>
      )}
      <p className="muted">
        <Link href="/login" data-testid="to-login">
          {t.account.backToSignIn}
        </Link>
      </p>
    </div>
  );
}
