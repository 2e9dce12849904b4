import { useState } from 'react';
import { resendVerification } from '../api/account.api';
import { useAuth } from '../auth/auth';
import { useT } from '../i18n/i18n';
import { ErrorMessage } from './error-message';

/** Shown to a signed-in user until their address is confirmed, with a way to get a new link. */
export function VerifyEmailBanner() {
  const t = useT();
  const { user } = useAuth();
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<unknown>(undefined);
  if (user?.email_verified !== false) return null;

  const resend = () => {
    setState('sending');
    setError(undefined);
    resendVerification().then(
      () => setState('sent'),
      (reason: unknown) => {
        setError(reason);
        setState('idle');
      },
    );
  };

  return (
    <div className="verify-banner" role="status" data-testid="verify-banner">
      <div className="container verify-banner-inner">
        <span>{state === 'sent' ? t.account.resent : t.account.banner}</span>
        {state !== 'sent' && (
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={resend}
            disabled={state === 'sending'}
            data-testid="verify-resend"
          >
            {state === 'sending' ? t.account.sending : t.account.resend}
          </button>
        )}
        {error !== undefined && <ErrorMessage error={error} testId="verify-resend-error" />}
      </div>
    </div>
  );
}
