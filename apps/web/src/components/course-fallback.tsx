import { Link } from 'wouter';
import { ApiError } from '../api/http';
import { useT } from '../i18n/i18n';
import { ErrorMessage } from './error-message';
import { Loading } from './loading';

interface CourseFallbackProps {
  /** The course request's error, if it failed. */
  error: unknown;
  onRetry: () => void;
  /** Where "not found" sends the reader back to. */
  backHref: string;
  backLabel: string;
}

/** What a page about one course shows until the course has loaded: not found, an error to retry, or loading. */
export function CourseFallback({ error, onRetry, backHref, backLabel }: CourseFallbackProps) {
  const t = useT();
  if (error instanceof ApiError && error.status === 404) {
    return (
      <div className="alert alert-info" role="alert" data-testid="course-not-found">
        <p>{t.errors.courseNotFound}</p>
        <Link href={backHref}>{backLabel}</Link>
      </div>
    );
  }
  if (error !== undefined) return <ErrorMessage error={error} onRetry={onRetry} />;
  return <Loading />;
}

/** CourseFallback on the studio's pages about one course: "not found" leads back to the studio. */
export function StudioCourseFallback({ error, onRetry }: Pick<CourseFallbackProps, 'error' | 'onRetry'>) {
  const t = useT();
  return (
    <CourseFallback error={error} onRetry={onRetry} backHref="/studio" backLabel={t.studio.backToStudio} />
  );
}
