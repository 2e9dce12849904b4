import { useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import type { CourseDetail, CourseProgress } from '../api/api.types';
import { ApiError } from '../api/http';
import { getCourse, getLesson } from '../api/courses.api';
import { completeLesson, uncompleteLesson } from '../api/progress.api';
import { loginPath, useAuth } from '../auth/auth';
import { useDocumentTitle } from '../components/document-title';
import { CourseFallback } from '../components/course-fallback';
import { ErrorMessage } from '../components/error-message';
import { Loading } from '../components/loading';
import { ProgressBar } from '../components/progress-bar';
import { useT } from '../i18n/i18n';
import { loadProgress, withLessonCompletion } from '../lib/progress';
import { useResource } from '../lib/use-resource';
import { MarkdownView } from '../markdown/markdown-view';

function Contents({
  course,
  lessonId,
  completed,
}: {
  course: CourseDetail;
  lessonId: number;
  completed: Set<number>;
}) {
  const t = useT();
  return (
    <nav aria-label={t.lesson.contents} className="contents">
      <ol className="contents-list">
        {course.lessons.map((lesson, index) => {
          const current = lesson.id === lessonId;
          const done = completed.has(lesson.id);
          return (
            <li key={lesson.id} className={done ? 'is-done' : undefined}>
              <Link
                href={`/courses/${course.id}/lessons/${lesson.id}`}
                aria-current={current ? 'page' : undefined}
                className="contents-link"
              >
                <span className="lesson-number" aria-hidden="true">
                  {done ? '✓' : index + 1}
                </span>
                <span>{lesson.title}</span>
                {done && <span className="visually-hidden"> ({t.common.completed})</span>}
              </Link>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

interface CompletionPanelProps {
  course: CourseDetail;
  lessonId: number;
  progress: CourseProgress | null;
  onToggle: (completed: boolean) => Promise<void>;
}

function CompletionPanel({ course, lessonId, progress, onToggle }: CompletionPanelProps) {
  const t = useT();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const button = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const completed = progress?.completed_lesson_ids.includes(lessonId) ?? false;
  const percent = Math.round(progress?.percent ?? 0);
  const courseDone =
    progress !== null && progress.total_lessons > 0 && progress.completed_lessons >= progress.total_lessons;

  useEffect(() => {
    // The button is swapped for its opposite; keep keyboard focus on it.
    if (refocus.current) {
      refocus.current = false;
      button.current?.focus();
    }
  }, [completed]);

  const toggle = (): void => {
    if (pending) return;
    setPending(true);
    setError(undefined);
    refocus.current = true;
    onToggle(!completed)
      .catch((reason: unknown) => {
        setError(reason);
      })
      .finally(() => {
        setPending(false);
      });
  };

  return (
    <section className="panel completion" aria-label={t.course.progressLabel}>
      {completed ? (
        <div className="completion-row">
          <p className="completion-done" data-testid="lesson-completed">
            <span className="check" aria-hidden="true">
              ✓
            </span>
            {courseDone ? t.lesson.courseDone : t.lesson.done}
          </p>
          <button
            ref={button}
            type="button"
            className="button button-secondary"
            onClick={toggle}
            aria-disabled={pending}
            data-testid="undo-complete-button"
          >
            {t.lesson.undo}
          </button>
        </div>
      ) : (
        <button
          ref={button}
          type="button"
          className="button button-large"
          onClick={toggle}
          aria-disabled={pending}
          data-testid="complete-button"
        >
          {t.lesson.markComplete}
        </button>
      )}
      <div className="progress-row">
        <ProgressBar percent={percent} label={t.course.progressLabel} testId="lesson-progress" />
        <span className="progress-percent" data-testid="lesson-progress-percent">
          {t.common.percent(percent)}
        </span>
      </div>
      <p className="muted">
        {t.course.progressSummary(progress?.completed_lessons ?? 0, course.lessons.length)}
      </p>
      {error !== undefined && <ErrorMessage error={error} />}
    </section>
  );
}

export function LessonPage({ courseId, lessonId }: { courseId: number; lessonId: number }) {
  const t = useT();
  const { user } = useAuth();
  const [pathname] = useLocation();
  const auth = user !== null && user.role !== 'student' ? 'optional' : 'none';
  const course = useResource((signal) => getCourse(courseId, auth, signal), [courseId, auth]);
  const lesson = useResource(
    (signal) => getLesson(courseId, lessonId, auth, signal),
    [courseId, lessonId, auth],
  );
  const progress = useResource(
    (signal) => (user === null ? Promise.resolve(null) : loadProgress(courseId, signal)),
    [courseId, user?.id],
  );
  useDocumentTitle(lesson.data?.title);
  // The contents start open where there is room for them beside the lesson.
  const [contentsOpen] = useState(() => window.matchMedia('(min-width: 60rem)').matches);

  const toggle = async (completed: boolean): Promise<void> => {
    const lessons = course.data?.lessons ?? [];
    progress.setData((current) =>
      withLessonCompletion(current ?? null, courseId, lessons, lessonId, completed),
    );
    try {
      if (completed) await completeLesson(lessonId);
      else await uncompleteLesson(lessonId);
    } finally {
      // Settle on the server's numbers (or roll back the optimistic change after a failure).
      progress.reload();
    }
  };

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

  const lessons = course.data.lessons;
  const index = lessons.findIndex((item) => item.id === lessonId);
  const previous = index > 0 ? lessons[index - 1] : undefined;
  const next = index >= 0 ? lessons[index + 1] : undefined;
  const completed = new Set(progress.data?.completed_lesson_ids ?? []);

  return (
    <div className="reader">
      <aside className="reader-aside">
        <p>
          <Link href={`/courses/${courseId}`} className="back-link" data-testid="back-to-course">
            <span aria-hidden="true">← </span>
            {course.data.title}
          </Link>
        </p>
        <details className="contents-toggle" open={contentsOpen}>
          <summary>{t.lesson.contents}</summary>
          <Contents course={course.data} lessonId={lessonId} completed={completed} />
        </details>
      </aside>

      <article className="reader-main stack-lg">
        {lesson.data === undefined ? (
          lesson.error instanceof ApiError && lesson.error.status === 404 ? (
            <div className="alert alert-info" role="alert" data-testid="lesson-not-found">
              <p>{t.errors.lessonNotFound}</p>
            </div>
          ) : lesson.error !== undefined ? (
            <ErrorMessage error={lesson.error} onRetry={lesson.reload} />
          ) : (
            <Loading />
          )
        ) : (
          <>
            <header className="stack-sm">
              {index >= 0 && <p className="eyebrow">{t.lesson.position(index + 1, lessons.length)}</p>}
              <h1 data-testid="lesson-title">{lesson.data.title}</h1>
            </header>

            <MarkdownView source={lesson.data.content} className="lesson-content" testId="lesson-content" />

            {user === null ? (
              <p className="panel">
                <Link
                  href={loginPath(pathname)}
                  className="button button-secondary"
                  data-testid="sign-in-to-complete"
                >
                  {t.lesson.signInToComplete}
                </Link>
              </p>
            ) : progress.data === undefined ? (
              progress.error !== undefined ? (
                <ErrorMessage error={progress.error} onRetry={progress.reload} />
              ) : (
                <Loading />
              )
            ) : (
              <CompletionPanel
                key={lessonId}
                course={course.data}
                lessonId={lessonId}
                progress={progress.data}
                onToggle={toggle}
              />
            )}
          </>
        )}

        <nav className="pager" aria-label={t.lesson.pagerLabel}>
          {previous !== undefined ? (
            <Link
              href={`/courses/${courseId}/lessons/${previous.id}`}
              className="pager-link"
              data-testid="prev-lesson"
              rel="prev"
            >
              <span className="pager-label">
                <span aria-hidden="true">← </span>
                {t.lesson.previous}
              </span>
              <span className="pager-title">{previous.title}</span>
            </Link>
          ) : (
            <span />
          )}
          {next !== undefined ? (
            <Link
              href={`/courses/${courseId}/lessons/${next.id}`}
              className="pager-link pager-next"
              data-testid="next-lesson"
              rel="next"
            >
              <span className="pager-label">
                {t.lesson.next}
                <span aria-hidden="true"> →</span>
              </span>
              <span className="pager-title">{next.title}</span>
            </Link>
          ) : (
            <Link href={`/courses/${courseId}`} className="pager-link pager-next" data-testid="finish-course">
              <span className="pager-label">{t.lesson.backToCourse}</span>
              <span className="pager-title">{course.data.title}</span>
            </Link>
          )}
        </nav>
      </article>
    </div>
  );
}
