import { Link } from 'wouter';
import { useDocumentTitle } from '../components/document-title';
import { useT } from '../i18n/i18n';

export function NotFoundPage() {
  const t = useT();
  useDocumentTitle(t.errors.notFoundTitle);
  return (
    <div className="stack" data-testid="not-found">
      <h1>{t.errors.notFoundTitle}</h1>
      <p>{t.errors.notFoundText}</p>
      <p>
        <Link href="/" className="button">
          {t.errors.backHome}
        </Link>
      </p>
    </div>
  );
}
