import { useId, useState, type SubmitEvent } from 'react';
import { Link } from 'wouter';
import { requestPasswordReset } from '../../api/account.api';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { CredentialField } from '../../components/field';
import { useT } from '../../i18n/i18n';
import { useAction } from '../../lib/use-action';

export function ForgotPasswordPage() {
  const t = useT();
  const id = useId();
  const [email, setEmail] = useState('');
  const { pending, error, run } = useAction();
  const [sent, setSent] = useState(false);
  useDocumentTitle(t.account.forgotTitle);

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    run(async () => {
      await requestPasswordReset(email.trim());
      setSent(true);
    });
  };

  return (
    <div className="auth-card panel stack">
      <h1>{t.account.forgotTitle}</h1>
      {sent ? (
        <p className="alert alert-info" role="status" data-testid="forgot-sent">
          {t.account.forgotSent}
        </p>
      ) : (
        <form className="stack" onSubmit={submit} data-testid="forgot-form" aria-busy={pending}>
          <p className="muted">{t.account.forgotIntro}</p>
          <CredentialField
            id={`${id}-email`}
            label={t.auth.email}
            type="email"
            autoComplete="email"
            value={email}
            onChange={setEmail}
            error={fieldError(error, 'email')}
            testId="forgot-email"
          />
          {error !== undefined && <ErrorMessage error={error} testId="form-error" />}
          <button type="submit" className="button button-large" data-testid="forgot-submit">
            {pending ? t.account.sending : t.account.forgotSubmit}
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
