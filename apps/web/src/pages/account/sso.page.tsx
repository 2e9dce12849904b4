import { useEffect, useId, useRef, useState } from 'react';
import { Link, Redirect, useSearch } from 'wouter';
import { finishSsoSignIn, listSsoProviders, openSsoSignIn, ssoLoginHref } from '../../api/auth.api';
import { safeNext, useAuth } from '../../auth/auth';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { en } from '../../i18n/en.messages';
import { useI18n, useT } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';

/** "Sign in with …" for each configured provider; nothing at all when none is configured (or they cannot be listed). */
export function SsoButtons({ next }: { next: string }) {
  const { t, language } = useI18n();
  const headingId = useId();
  const providers = useResource((signal) => listSsoProviders(signal), []);
  const list = providers.data ?? [];
  if (list.length === 0) return null;
  return (
    <section className="sso stack-sm" aria-labelledby={headingId} data-testid="sso-providers">
      <p className="sso-divider muted" id={headingId}>
        <span aria-hidden="true">{t.sso.or}</span>
        <span className="visually-hidden">{t.sso.providers}</span>
      </p>
      <ul className="sso-list stack-sm">
        {list.map((provider) => {
          const href = ssoLoginHref(provider.id, next, language);
          return (
            <li key={provider.id}>
              <a
                className="button button-secondary button-large sso-button"
                href={href}
                onClick={(event) => {
                  // A plain click waits for a pending sign-out; a new tab or window is left to the browser.
                  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
                    return;
                  event.preventDefault();
                  void openSsoSignIn(href);
                }}
                data-testid={`sso-${provider.id}`}
              >
                {t.sso.signInWith(provider.name)}
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

type ProblemCode = keyof typeof en.sso.problems;

function isSsoProblem(code: string | null): code is ProblemCode {
  return code !== null && Object.hasOwn(en.sso.problems, code);
}

type Outcome = { status: 'finishing' } | { status: 'failed'; error: unknown } | { status: 'refused' };

/**
 * Where a provider's callback lands: with `?error=<code>` it says why the sign-in failed; otherwise it trades the
 * refresh cookie the callback set for a session, then opens `next` (a same-origin path, as after a password login).
 */
export function SsoLandingPage() {
  const t = useT();
  const auth = useAuth();
  const params = new URLSearchParams(useSearch());
  const errorCode = params.get('error');
  const next = safeNext(params.get('next'));
  const [outcome, setOutcome] = useState<Outcome>({ status: 'finishing' });
  useDocumentTitle(errorCode === null ? t.sso.landingTitle : t.sso.failedTitle);

  // The cookie rotates on use: take it once per visit, whatever re-renders.
  const started = useRef(false);
  useEffect(() => {
    if (errorCode !== null || started.current) return;
    started.current = true;
    finishSsoSignIn().then(
      (signedIn) => {
        if (!signedIn) setOutcome({ status: 'refused' });
      },
      (error: unknown) => setOutcome({ status: 'failed', error }),
    );
  }, [errorCode]);

  if (errorCode === null && auth.user !== null) return <Redirect to={next} replace />;

  const finishing = errorCode === null && outcome.status === 'finishing';
  return (
    <div className="auth-card panel stack">
      <h1>{finishing ? t.sso.landingTitle : t.sso.failedTitle}</h1>
      {finishing && (
        <p role="status" data-testid="sso-finishing">
          {t.sso.finishing}
        </p>
      )}
      {errorCode !== null && (
        <p className="alert alert-error" role="alert" data-testid="sso-error">
          {isSsoProblem(errorCode) ? t.sso.problems[errorCode] : t.sso.failed}
        </p>
      )}
      {outcome.status === 'refused' && (
        <p className="alert alert-error" role="alert" data-testid="sso-error">
          {t.sso.failed}
        </p>
      )}
      {outcome.status === 'failed' && <ErrorMessage error={outcome.error} testId="sso-error" />}
      {!finishing && (
        <p>
          <Link href="/login" data-testid="sso-back">
            {t.sso.backToSignIn}
          </Link>
        </p>
      )}
    </div>
  );
}
