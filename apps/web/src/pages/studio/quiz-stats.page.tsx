import { Link } from 'wouter';
import { getQuizStats } from '../../api/assessments.api';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { useI18n } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';

function share(value: number | null): string {
  return value === null ? '—' : `${Math.round(value * 100)} %`;
}

/** Item statistics of one quiz: how each question did, to find the ones that are too hard or do not discriminate. */
export function QuizStatsPage({ courseId, lessonId }: { courseId: number; lessonId: number }) {
  const { t } = useI18n();
  const stats = useResource((signal) => getQuizStats(lessonId, signal), [lessonId]);
  useDocumentTitle(t.analytics.quizStats);
  return (
    <div className="stack-lg">
      <p>
        <Link href={`/studio/courses/${courseId}/analytics`} className="back-link">
          <span aria-hidden="true">← </span>
          {t.analytics.heading}
        </Link>
      </p>
      <h1 data-testid="quiz-stats-heading">{t.analytics.quizStats}</h1>
      {stats.error !== undefined && <ErrorMessage error={stats.error} onRetry={stats.reload} />}
      {stats.data === undefined ? (
        stats.loading && <Loading />
      ) : stats.data.length === 0 ? (
        <p className="empty">{t.analytics.noQuestions}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="quiz-stats-table">
            <thead>
              <tr>
                <th scope="col">{t.analytics.question}</th>
                <th scope="col">{t.analytics.attempts}</th>
                <th scope="col">{t.analytics.meanScore}</th>
                <th scope="col">{t.analytics.shareCorrect}</th>
                <th scope="col">{t.analytics.discrimination}</th>
              </tr>
            </thead>
            <tbody>
              {stats.data.map((row) => (
                <tr key={row.question_id} data-testid="quiz-stats-row">
                  <td data-label={t.analytics.question}>{row.text}</td>
                  <td data-label={t.analytics.attempts}>{row.attempts}</td>
                  <td data-label={t.analytics.meanScore}>
                    {row.mean_score === null ? '—' : row.mean_score.toFixed(2)}
                  </td>
                  <td data-label={t.analytics.shareCorrect}>{share(row.share_correct)}</td>
                  <td data-label={t.analytics.discrimination}>
                    {row.discrimination === null ? '—' : row.discrimination.toFixed(2)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
