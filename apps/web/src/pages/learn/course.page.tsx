import { useEffect, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'wouter';
import type { CourseDetail, CourseProgress } from '../../api/api.types';
import { getCourse } from '../../api/courses.api';
import { loginPath, useAuth } from '../../auth/auth';
import { useDocumentTitle } from '../../components/document-title';
import { CourseFallback } from '../../components/course-fallback';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { ProgressBar } from '../../components/progress-bar';
import { useT } from '../../i18n/i18n';
import { readingOrder } from '../../lib/outline';
import { continueLessonId, isEnrolled, loadProgress } from '../../lib/progress';
import { useResource } from '../../lib/use-resource';
import { CourseOutline } from './course-outline';
import { EnrollmentPanel } from './enrollment-panel';

function ProgressPanel({ course, progress }: { course: CourseDetail; progress: CourseProgress | null }) {
  const t = useT();
  const total = progress?.total_lessons ?? course.lessons.length;
  const done = progress?.completed_lessons ?? 0;
  const percent = Math.round(progress?.percent ?? 0);
  const finished = total > 0 && done >= total;
  const target = continueLessonId(progress, readingOrder(course));

  return (
    <section
      className="panel progress-panel"
      aria-labelledby="progress-heading"
      data-testid="course-progress"
    >
      <h2 id="progress-heading" className="panel-title">
        {t.course.progressLabel}
      </h2>
      <div className="progress-row">
        <ProgressBar percent={percent} label={t.course.progressLabel} />
        <span className="progress-percent" data-testid="progress-percent">
          {t.common.percent(percent)}
        </span>
      </div>
      <p className="muted" data-testid="progress-summary">
        {finished ? t.course.finished : t.course.progressSummary(done, total)}
      </p>
      {target !== null && (
        <Link href={`/courses/${course.id}/lessons/${target}`} className="button" data-testid="continue-link">
          {finished ? t.course.review : done === 0 ? t.course.start : t.course.continue}
        </Link>
      )}
    </section>
  );
}

export function CoursePage({ id }: { id: number }) {
  const t = useT();
  const { user } = useAuth();
  const [pathname] = useLocation();
  const [searchParams] = useSearchParams();
  const inviteCode = searchParams.get('invite');
  // Readers fetch anonymously (shared caches can answer); authors and admins may be looking at a draft.
  const auth = user !== null && user.role !== 'student' ? 'optional' : 'none';
  // After enrolling or leaving, the seat count must come from the server, not the browser's cache.
  const [changedHere, setChangedHere] = useState(false);
  const course = useResource((signal) => getCourse(id, auth, signal, changedHere), [id, auth]);
  const progress = useResource(
    (signal) => (user === null ? Promise.resolve(null) : loadProgress(id, signal)),
    [id, user?.id],
  );
  const enrolled = useResource(
    (signal) => (user === null ? Promise.resolve(null) : isEnrolled(id, signal)),
    [id, user?.id],
  );
  useDocumentTitle(course.data?.title);

  useEffect(() => {
    // The reader is a separate chunk: fetch it while the user looks at the course.
    void import('./lesson.page');
  }, []);

  if (course.data === undefined) {
    return (
      <CourseFallback
        error={course.error}
        onRetry={course.reload}
        backHref="/"
        backLabel={t.errors.backHome}
      />
    );
  }

  const data = course.data;
  const completed = new Set(progress.data?.completed_lesson_ids ?? []);
  const firstLesson = readingOrder(data)[0];
  const seesEverything = user !== null && (user.role === 'admin' || user.id === data.owner_id);
  const onEnrollmentChange = (): void => {
    setChangedHere(true);
    enrolled.reload();
    progress.reload();
    course.reload();
  };

  return (
    <article className="stack-lg course-page">
      <p>
        <Link href="/" className="back-link">
          <span aria-hidden="true">← </span>
          {t.course.backToCatalog}
        </Link>
      </p>
      <header className="stack">
        <h1 data-testid="course-title">{data.title}</h1>
        {!data.published && (
          <p className="alert alert-info" data-testid="course-draft-notice">
            {t.course.draftNotice}
          </p>
        )}
        {data.description !== '' && (
          <p className="lead course-description" data-testid="course-description">
            {data.description}
          </p>
        )}
      </header>

      <EnrollmentPanel
        course={data}
        enrolled={enrolled.data ?? null}
        inviteCode={inviteCode}
        onChange={onEnrollmentChange}
      />

      {user !== null ? (
        progress.error !== undefined && progress.data === undefined ? (
          <ErrorMessage error={progress.error} onRetry={progress.reload} />
        ) : progress.data === undefined ? (
          <Loading />
        ) : (
          (enrolled.data === true || data.enrollment === 'open') && (
            <ProgressPanel course={data} progress={progress.data} />
          )
        )
      ) : (
        firstLesson !== undefined && (
          <section className="panel">
            <div className="actions">
              <Link
                href={`/courses/${data.id}/lessons/${firstLesson.id}`}
                className="button"
                data-testid="continue-link"
              >
                {t.course.start}
              </Link>
              <Link
                href={loginPath(pathname)}
                className="button button-secondary"
                data-testid="sign-in-to-track"
              >
                {t.course.signInToTrack}
              </Link>
            </div>
          </section>
        )
      )}

      <CourseOutline course={data} completed={completed} seesEverything={seesEverything} />
    </article>
  );
}
