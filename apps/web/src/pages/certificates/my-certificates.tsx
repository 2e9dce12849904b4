import { Link } from 'wouter';
import { certificatePdfPath, listMyCertificates } from '../../api/progress.api';
import { CopyLinkButton } from '../../components/copy-link-button';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage, useStatus } from '../../components/status-message';
import { useI18n } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';
import { certificateUrl } from './certificate-link';

/** The learner's certificates on My learning: view, download the PDF, copy the link to share. */
export function MyCertificates() {
  const { t, formatDate } = useI18n();
  const certificates = useResource((signal) => listMyCertificates(signal), []);
  const [status, showStatus] = useStatus();
  if (certificates.error !== undefined) {
    return <ErrorMessage error={certificates.error} onRetry={certificates.reload} />;
  }
  if (certificates.data === undefined || certificates.data.length === 0) return null;
  return (
    <section aria-labelledby="certificates-heading" className="stack">
      <h2 id="certificates-heading">{t.certificates.mine}</h2>
      <ul className="certificate-list" data-testid="my-certificates">
        {certificates.data.map((certificate) => (
          <li
            key={certificate.id}
            className="card"
            data-testid="my-certificate"
            data-course-id={certificate.course_id}
          >
            <h3 className="card-title">{certificate.course_title}</h3>
            <p className="muted">
              {t.certificates.issuedOn(formatDate(certificate.issued_at))}
              {certificate.revoked && (
                <>
                  {' · '}
                  <strong className="text-danger" data-testid="my-certificate-revoked">
                    {t.certificates.revokedShort}
                  </strong>
                </>
              )}
            </p>
            <p className="actions">
              <Link
                href={`/certificates/${certificate.id}`}
                className="button"
                data-testid="my-certificate-view"
              >
                {t.certificates.view}
              </Link>
              <a className="button button-secondary" href={certificatePdfPath(certificate.id)} download>
                {t.certificates.downloadPdf}
              </a>
              <CopyLinkButton
                url={certificateUrl(certificate.id)}
                label={t.certificates.copyLink}
                onStatus={showStatus}
                testId="my-certificate-copy"
              />
            </p>
          </li>
        ))}
      </ul>
      <StatusMessage message={status} />
    </section>
  );
}
