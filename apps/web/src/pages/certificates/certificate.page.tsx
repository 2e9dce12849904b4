import { useState } from 'react';
import { Link } from 'wouter';
import { certificatePdfPath, getCertificate, revokeCertificate } from '../../api/progress.api';
import { hasRole, useAuth } from '../../auth/auth';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { CopyLinkButton } from '../../components/copy-link-button';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { StatusMessage, useStatus } from '../../components/status-message';
import { useI18n } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';
import { certificateUrl } from './certificate-link';

/**
 * The public verification page: anyone, signed in or not, sees whether a certificate is valid or revoked, whom
 * it names and for which course; admins may revoke it here.
 */
export function CertificatePage({ id }: { id: string }) {
  const { t, formatDate } = useI18n();
  const auth = useAuth();
  const certificate = useResource((signal) => getCertificate(id, signal), [id]);
  const [confirming, setConfirming] = useState(false);
  const [revokeError, setRevokeError] = useState<unknown>(undefined);
  const [status, showStatus] = useStatus();
  const data = certificate.data;
  useDocumentTitle(data === undefined ? t.certificates.title : t.certificates.pageTitle(data.course_title));

  if (data === undefined) {
    return certificate.error === undefined ? (
      <Loading />
    ) : (
      <div className="stack">
        <h1>{t.certificates.title}</h1>
        <ErrorMessage error={certificate.error} onRetry={certificate.reload} />
      </div>
    );
  }

  const revoke = (): void => {
    setConfirming(false);
    setRevokeError(undefined);
    revokeCertificate(id)
      .then(() => {
        certificate.reload();
        showStatus(t.certificates.revokedNotice);
      })
      .catch((reason: unknown) => setRevokeError(reason));
  };

  return (
    <article className="stack-lg certificate" data-testid="certificate">
      <h1 data-testid="certificate-heading">{t.certificates.title}</h1>
      <p
        className={
          data.revoked ? 'certificate-state certificate-revoked' : 'certificate-state certificate-valid'
        }
        data-testid="certificate-state"
        data-state={data.revoked ? 'revoked' : 'valid'}
      >
        <span aria-hidden="true">{data.revoked ? '✕ ' : '✓ '}</span>
        {data.revoked && data.revoked_at !== null
          ? t.certificates.revokedOn(formatDate(data.revoked_at))
          : t.certificates.valid}
      </p>
      <dl className="certificate-facts">
        <dt>{t.certificates.learner}</dt>
        <dd data-testid="certificate-learner">{data.learner}</dd>
        <dt>{t.certificates.course}</dt>
        <dd data-testid="certificate-course">
          <Link href={`/courses/${data.course_id}`}>{data.course_title}</Link>
        </dd>
        <dt>{t.certificates.issued}</dt>
        <dd data-testid="certificate-issued">{formatDate(data.issued_at)}</dd>
      </dl>
      <div className="actions">
        <a className="button" href={certificatePdfPath(id)} download data-testid="certificate-pdf">
          {t.certificates.downloadPdf}
        </a>
        <CopyLinkButton
          url={certificateUrl(id)}
          label={t.certificates.copyLink}
          onStatus={showStatus}
          testId="certificate-copy"
        />
        {hasRole(auth.user, ['admin']) && !data.revoked && (
          <button
            type="button"
            className="button button-danger"
            onClick={() => setConfirming(true)}
            data-testid="certificate-revoke"
          >
            {t.certificates.revoke}
          </button>
        )}
      </div>
      {revokeError !== undefined && <ErrorMessage error={revokeError} />}
      <details className="certificate-credential">
        <summary>{t.certificates.howToVerify}</summary>
        <p>{t.certificates.verifyExplained}</p>
        <p>
          {t.certificates.jwks} <code data-testid="certificate-jwks">{data.jwks_url}</code>
        </p>
        <label className="field">
          <span className="field-label">{t.certificates.credential}</span>
          <textarea readOnly rows={4} value={data.credential} data-testid="certificate-credential" />
        </label>
      </details>
      <ConfirmDialog
        message={confirming ? t.certificates.confirmRevoke(data.learner, data.course_title) : null}
        confirmLabel={t.certificates.revoke}
        onConfirm={revoke}
        onCancel={() => setConfirming(false)}
      />
      <StatusMessage message={status} />
    </article>
  );
}
