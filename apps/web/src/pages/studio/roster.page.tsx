import { Link, useSearchParams } from 'wouter';
import { getCourse } from '../../api/courses.api';
import { listRoster } from '../../api/progress.api';
import { StudioCourseFallback } from '../../components/course-fallback';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { pageFromParam, Pagination } from '../../components/pagination';
import { StatusMessage, useStatus } from '../../components/status-message';
import { useI18n } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';
import { useRosterCsv } from './roster-csv';

const PAGE_SIZE = 25;

/** Who is enrolled in a course, a page at a time, with their progress; the whole list as CSV. */
export function RosterPage({ id }: { id: number }) {
  const { t, formatDate } = useI18n();
  const [params] = useSearchParams();
  const page = pageFromParam(params.get('page'));
  const course = useResource((signal) => getCourse(id, 'required', signal, true), [id]);
  const roster = useResource(
    (signal) => listRoster(id, PAGE_SIZE, (page - 1) * PAGE_SIZE, signal),
    [id, page],
    { keepPrevious: true },
  );
  const [status, showStatus] = useStatus();
  const { download, downloading, error: downloadError } = useRosterCsv(id, showStatus);
  useDocumentTitle(course.data === undefined ? t.studio.roster : t.roster.title(course.data.title));

  if (course.data === undefined) {
    return <StudioCourseFallback error={course.error} onRetry={course.reload} />;
  }

  const data = roster.data;
  const pages = data?.total != null ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : page;

  return (
    <div className="stack-lg">
      <p>
        <Link href={`/studio/courses/${id}`} className="back-link" data-testid="roster-back">
          <span aria-hidden="true">← </span>
          {t.roster.backToCourse}
        </Link>
      </p>
      <div className="section-head">
        <h1 data-testid="roster-heading">{t.roster.title(course.data.title)}</h1>
        {data?.total != null && (
          <span className="muted" data-testid="roster-count">
            {t.roster.count(data.total)}
          </span>
        )}
      </div>
      <div className="actions">
        <button
          type="button"
          className="button button-secondary"
          onClick={download}
          aria-disabled={downloading}
          data-testid="roster-csv"
        >
          {downloading ? t.roster.downloading : t.roster.csv}
        </button>
      </div>
      {downloadError !== undefined && <ErrorMessage error={downloadError} />}
      {roster.error !== undefined && <ErrorMessage error={roster.error} onRetry={roster.reload} />}
      {data === undefined ? (
        roster.loading && <Loading />
      ) : data.items.length === 0 ? (
        <p className="empty" data-testid="roster-empty">
          {t.roster.empty}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="roster-table" aria-busy={roster.loading}>
            <thead>
              <tr>
                <th scope="col">{t.roster.email}</th>
                <th scope="col">{t.roster.enrolledAt}</th>
                <th scope="col">{t.roster.progress}</th>
                <th scope="col">{t.roster.lastActivity}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((entry) => (
                <tr key={entry.user_id} data-testid="roster-row" data-user-id={entry.user_id}>
                  <td className="cell-email" data-label={t.roster.email} data-testid="roster-email">
                    {entry.email ?? t.roster.deletedAccount}
                  </td>
                  <td data-label={t.roster.enrolledAt}>{formatDate(entry.enrolled_at)}</td>
                  <td data-label={t.roster.progress} data-testid="roster-percent">
                    {t.common.percent(Math.floor(entry.percent))}
                  </td>
                  <td data-label={t.roster.lastActivity}>
                    {entry.last_completed_at === null ? t.roster.none : formatDate(entry.last_completed_at)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pages={pages} hrefFor={(n) => `/studio/courses/${id}/roster?page=${n}`} />
      <StatusMessage message={status} />
    </div>
  );
}
