import { useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { tokenFromFragment, verifyEmail } from '../../api/account.api';
import { useAuth } from '../../auth/auth';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { useT } from '../../i18n/i18n';
import { isInvalidLink } from './reset-password.page';

type Outcome = { status: 'verifying' } | { status: 'verified' } | { status: 'failed'; error: unknown };

export function VerifyEmailPage() {
  const t = useT();
  const auth = useAuth();
  const [outcome, setOutcome] = useState<Outcome>({ status: 'verifying' });
  useDocumentTitle(t.account.verifyTitle);

  // A token can be spent once: verify once per visit, whatever re-renders.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = tokenFromFragment(window.location.hash);
    verifyEmail(token).then(
      () => {
        setOutcome({ status: 'verified' });
        auth.reload();
      },
      (error: unknown) => setOutcome({ status: 'failed', error }),
    );
  }, [auth]);

  return (
    <div className="auth-card panel stack">
      <h1>{t.account.verifyTitle}</h1>
      {outcome.status === 'verifying' && <p role="status">{t.account.verifying}</p>}
      {outcome.status === 'verified' && (
        <p className="alert alert-info" role="status" data-testid="verify-done">
          {t.account.verified}
        </p>
      )}
      {outcome.status === 'failed' &&
        (isInvalidLink(outcome.error) ? (
          <p className="alert alert-error" role="alert" data-testid="verify-invalid">
            {t.account.invalidLink}
          </p>
        ) : (
          <ErrorMessage error={outcome.error} testId="verify-error" />
        ))}
      <p className="muted">
        <Link href="/">{t.nav.catalog}</Link>
      </p>
    </div>
  );
}
