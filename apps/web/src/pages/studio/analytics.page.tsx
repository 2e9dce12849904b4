import { Link } from 'wouter';
import { getCourse } from '../../api/courses.api';
import { getCourseAnalytics } from '../../api/progress.api';
import { StudioCourseFallback } from '../../components/course-fallback';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { FunnelChart, type FunnelBar } from '../../components/funnel-chart';
import { Loading } from '../../components/loading';
import { StatusMessage, useStatus } from '../../components/status-message';
import { useI18n } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';
import { useRosterCsv } from './roster-csv';

/** A course's numbers for its owner: who enrolled, started and finished, and where learners stop. */
export function AnalyticsPage({ id }: { id: number }) {
  const { t } = useI18n();
  const course = useResource((signal) => getCourse(id, 'required', signal, true), [id]);
  const analytics = useResource((signal) => getCourseAnalytics(id, signal), [id]);
  const [status, showStatus] = useStatus();
  const { download, error: downloadError } = useRosterCsv(id, showStatus);
  useDocumentTitle(course.data === undefined ? t.analytics.heading : t.analytics.title(course.data.title));

  if (course.data === undefined) {
    return <StudioCourseFallback error={course.error} onRetry={course.reload} />;
  }

  const data = analytics.data;
  const titles = new Map(course.data.lessons.map((lesson) => [lesson.id, lesson]));
  const bars: FunnelBar[] =
    data?.lessons.map((step) => {
      const lesson = titles.get(step.lesson_id);
      return {
        key: step.lesson_id,
        label: lesson?.title ?? t.my.unknownLesson(step.lesson_id),
        percent: step.reached_percent,
        caption: t.analytics.reached(step.completed, Math.round(step.reached_percent)),
        ...(lesson?.kind === 'quiz'
          ? {
              link: {
                href: `/studio/courses/${id}/quizzes/${step.lesson_id}/stats`,
                label: t.analytics.quizStats,
              },
            }
          : {}),
      };
    }) ?? [];

  return (
    <div className="stack-lg">
      <p>
        <Link href={`/studio/courses/${id}`} className="back-link" data-testid="analytics-back">
          <span aria-hidden="true">← </span>
          {t.roster.backToCourse}
        </Link>
      </p>
      <h1 data-testid="analytics-heading">{t.analytics.title(course.data.title)}</h1>
      {analytics.error !== undefined && <ErrorMessage error={analytics.error} onRetry={analytics.reload} />}
      {data === undefined ? (
        analytics.loading && <Loading />
      ) : (
        <>
          <dl className="stat-grid" data-testid="analytics-totals">
            <div className="stat">
              <dt>{t.analytics.enrolled}</dt>
              <dd data-testid="analytics-enrolled">{data.enrolled}</dd>
            </div>
            <div className="stat">
              <dt>{t.analytics.started}</dt>
              <dd data-testid="analytics-started">{data.started}</dd>
            </div>
            <div className="stat">
              <dt>{t.analytics.completed}</dt>
              <dd data-testid="analytics-completed">{data.completed}</dd>
            </div>
            <div className="stat">
              <dt>{t.analytics.completionRate}</dt>
              <dd data-testid="analytics-rate">{t.common.percent(Math.round(data.completion_rate))}</dd>
            </div>
            <div className="stat">
              <dt>{t.analytics.medianDays}</dt>
              <dd data-testid="analytics-median">
                {data.median_days_to_complete === null ? '—' : t.analytics.days(data.median_days_to_complete)}
              </dd>
            </div>
          </dl>
          {bars.length === 0 ? (
            <p className="empty">{t.analytics.noLessons}</p>
          ) : (
            <FunnelChart bars={bars} title={t.analytics.funnel} />
          )}
        </>
      )}
      <div className="actions">
        <button
          type="button"
          className="button button-secondary"
          onClick={download}
          data-testid="analytics-csv"
        >
          {t.roster.csv}
        </button>
        <Link href={`/studio/courses/${id}/roster`} className="button button-secondary">
          {t.studio.roster}
        </Link>
      </div>
      {downloadError !== undefined && <ErrorMessage error={downloadError} />}
      <StatusMessage message={status} />
    </div>
  );
}
