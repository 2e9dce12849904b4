import { useEffect } from 'react';
import { Link, useLocation } from 'wouter';
import type { CourseDetail, CourseProgress } from '../api/api.types';
import { getCourse } from '../api/courses.api';
import { loginPath, useAuth } from '../auth/auth';
import { useDocumentTitle } from '../components/document-title';
import { CourseFallback } from '../components/course-fallback';
import { ErrorMessage } from '../components/error-message';
import { Loading } from '../components/loading';
import { ProgressBar } from '../components/progress-bar';
import { useT } from '../i18n/i18n';
import { continueLessonId, loadProgress } from '../lib/progress';
import { useResource } from '../lib/use-resource';

function ProgressPanel({ course, progress }: { course: CourseDetail; progress: CourseProgress | null }) {
  const t = useT();
  const total = course.lessons.length;
  const done = progress?.completed_lessons ?? 0;
  const percent = Math.round(progress?.percent ?? 0);
  const finished = total > 0 && done >= total;
  const target = continueLessonId(progress, course.lessons);

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
  // Readers fetch anonymously (shared caches can answer); authors and admins may be looking at a draft.
  const auth = user !== null && user.role !== 'student' ? 'optional' : 'none';
  const course = useResource((signal) => getCourse(id, auth, signal), [id, auth]);
  const progress = useResource(
    (signal) => (user === null ? Promise.resolve(null) : loadProgress(id, signal)),
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
  const firstLesson = data.lessons[0];

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

      {user !== null ? (
        progress.error !== undefined && progress.data === undefined ? (
          <ErrorMessage error={progress.error} onRetry={progress.reload} />
        ) : progress.data === undefined ? (
          <Loading />
        ) : (
          <ProgressPanel course={data} progress={progress.data} />
        )
      ) : (
        <section className="panel">
          <div className="actions">
            {firstLesson !== undefined && (
              <Link
                href={`/courses/${data.id}/lessons/${firstLesson.id}`}
                className="button"
                data-testid="continue-link"
              >
                {t.course.start}
              </Link>
            )}
            <Link
              href={loginPath(pathname)}
              className="button button-secondary"
              data-testid="sign-in-to-track"
            >
              {t.course.signInToTrack}
            </Link>
          </div>
        </section>
      )}

      <section aria-labelledby="lessons-heading" className="stack">
        <h2 id="lessons-heading">{t.course.lessonsHeading}</h2>
        {data.lessons.length === 0 ? (
          <p className="empty" data-testid="course-no-lessons">
            {t.course.noLessons}
          </p>
        ) : (
          <ol className="lesson-list" data-testid="lesson-list">
            {data.lessons.map((lesson, index) => {
              const done = completed.has(lesson.id);
              return (
                <li
                  key={lesson.id}
                  className={done ? 'lesson-item is-done' : 'lesson-item'}
                  data-testid="lesson-item"
                  data-lesson-id={lesson.id}
                  data-completed={done}
                >
                  <Link href={`/courses/${data.id}/lessons/${lesson.id}`} className="lesson-link">
                    <span className="lesson-number" aria-hidden="true">
                      {done ? '✓' : index + 1}
                    </span>
                    <span className="visually-hidden">{t.course.lessonNumber(index + 1)}: </span>
                    <span className="lesson-name">{lesson.title}</span>
                    {done && <span className="visually-hidden"> ({t.common.completed})</span>}
                  </Link>
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </article>
  );
}
