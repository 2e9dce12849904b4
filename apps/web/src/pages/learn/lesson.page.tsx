import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import type { CourseDetail, LessonSummary } from '../../api/api.types';
import { ApiError } from '../../api/http';
import { getCourse, getLesson } from '../../api/courses.api';
import { completeLesson, uncompleteLesson } from '../../api/progress.api';
import { loginPath, useAuth } from '../../auth/auth';
import { useDocumentTitle } from '../../components/document-title';
import { CourseFallback } from '../../components/course-fallback';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { LockIcon } from '../../components/lock-icon';
import { useI18n, useT } from '../../i18n/i18n';
import { isReleased, readingOrder, sectionOfLesson } from '../../lib/outline';
import { loadProgress, withLessonCompletion } from '../../lib/progress';
import { useResource } from '../../lib/use-resource';
import { LessonBodyBoundary } from '../../markdown/lesson-body';
import { MarkdownView } from '../../markdown/markdown-view';
import { CompletionPanel } from './completion-panel';
import { QuizIntro, QuizManageLinks } from './quiz';
import { QuizAttempt } from './quiz-attempt';

function Contents({
  course,
  lessons,
  lessonId,
  completed,
}: {
  course: CourseDetail;
  lessons: LessonSummary[];
  lessonId: number;
  completed: Set<number>;
}) {
  const t = useT();
  return (
    <nav aria-label={t.lesson.contents} className="contents">
      <ol className="contents-list">
        {lessons.map((lesson, index) => {
          const current = lesson.id === lessonId;
          const done = completed.has(lesson.id);
          const locked = !isReleased(sectionOfLesson(course, lesson.id));
          return (
            <li key={lesson.id} className={done ? 'is-done' : undefined}>
              <Link
                href={`/courses/${course.id}/lessons/${lesson.id}`}
                aria-current={current ? 'page' : undefined}
                className="contents-link"
              >
                <span className="lesson-number" aria-hidden="true">
                  {done ? '✓' : locked ? <LockIcon /> : index + 1}
                </span>
                <span>{lesson.title}</span>
                {done && <span className="visually-hidden"> ({t.common.completed})</span>}
                {locked && <span className="visually-hidden"> ({t.outline.notAvailableYet})</span>}
              </Link>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** A lesson of a section not yet released: its title and the date, no content. */
function NotAvailableYet({
  title,
  availableFrom,
}: {
  title: string | undefined;
  availableFrom: string | null | undefined;
}) {
  const { t, formatDateTime } = useI18n();
  return (
    <>
      {title !== undefined && <h1 data-testid="lesson-title">{title}</h1>}
      <div className="alert alert-info" role="alert" data-testid="lesson-not-available">
        <p>
          <LockIcon />
          {availableFrom == null
            ? t.lesson.notAvailableYet
            : t.lesson.availableFrom(formatDateTime(availableFrom))}
        </p>
      </div>
    </>
  );
}

/** Polls progress this many times, a second apart, for the completion a passed quiz sends it. */
const COMPLETION_POLLS = 20;
const COMPLETION_POLL_MS = 1_000;

interface LessonPageProps {
  courseId: number;
  lessonId: number;
  /** A quiz lesson's attempt: taking it, or its result. */
  attemptId?: number;
}

export function LessonPage({ courseId, lessonId, attemptId }: LessonPageProps) {
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
  const [awaitingCompletion, setAwaitingCompletion] = useState(false);
  const polls = useRef(0);
  const lessonCompleted = progress.data?.completed_lesson_ids.includes(lessonId) ?? false;
  const reloadProgress = progress.reload;

  // Passing a quiz completes its lesson on the server shortly after (assessments' outbox to progress): the outline
  // and the course percent follow once progress has it.
  const onQuizPassed = useCallback(() => setAwaitingCompletion(true), []);
  useEffect(() => {
    if (!awaitingCompletion || progress.loading) return;
    if (lessonCompleted || polls.current >= COMPLETION_POLLS) {
      setAwaitingCompletion(false);
      polls.current = 0;
      return;
    }
    const timer = setTimeout(
      () => {
        polls.current += 1;
        reloadProgress();
      },
      polls.current === 0 ? 0 : COMPLETION_POLL_MS,
    );
    return () => clearTimeout(timer);
  }, [awaitingCompletion, lessonCompleted, progress.loading, reloadProgress]);

  const toggle = async (completed: boolean): Promise<void> => {
    const lessons = course.data === undefined ? [] : readingOrder(course.data);
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

  const manages = user !== null && (user.role === 'admin' || user.id === course.data.owner_id);
  const lessons = readingOrder(course.data);
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
          <Contents course={course.data} lessons={lessons} lessonId={lessonId} completed={completed} />
        </details>
      </aside>

      <article className="reader-main stack-lg">
        {lesson.data === undefined ? (
          lesson.error instanceof ApiError && lesson.error.status === 404 ? (
            <div className="alert alert-info" role="alert" data-testid="lesson-not-found">
              <p>{t.errors.lessonNotFound}</p>
            </div>
          ) : lesson.error instanceof ApiError && lesson.error.code === 'not_available_yet' ? (
            <NotAvailableYet
              title={lessons[index]?.title}
              availableFrom={
                lesson.error.problem.available_from ?? sectionOfLesson(course.data, lessonId)?.available_from
              }
            />
          ) : lesson.error !== undefined ? (
            <ErrorMessage error={lesson.error} onRetry={lesson.reload} />
          ) : (
            <Loading />
          )
        ) : (
          // Siblings keyed by ids of different things (a lesson, an attempt): each key names its kind, since an
          // attempt may have the same number as its lesson, and two equal keys here made React repeat the result.
          <>
            <header className="stack-sm">
              {index >= 0 && <p className="eyebrow">{t.lesson.position(index + 1, lessons.length)}</p>}
              <h1 data-testid="lesson-title">{lesson.data.title}</h1>
            </header>

            {lesson.data.kind === 'quiz' && attemptId !== undefined ? null : (
              <LessonBodyBoundary
                key={`body-${lesson.data.id}`}
                fallback={
                  <p className="panel" role="alert" data-testid="lesson-unreadable">
                    {t.lesson.unreadable}
                  </p>
                }
              >
                <MarkdownView
                  source={lesson.data.content}
                  className="lesson-content"
                  testId="lesson-content"
                />
              </LessonBodyBoundary>
            )}

            {lesson.data.kind === 'quiz' && attemptId === undefined && manages && (
              <QuizManageLinks courseId={courseId} lessonId={lessonId} />
            )}

            {lesson.data.kind === 'quiz' &&
              user !== null &&
              (attemptId === undefined ? (
                <QuizIntro courseId={courseId} lessonId={lessonId} onPassed={onQuizPassed} />
              ) : (
                <QuizAttempt
                  key={`attempt-${attemptId}`}
                  courseId={courseId}
                  lessonId={lessonId}
                  attemptId={attemptId}
                  onPassed={onQuizPassed}
                />
              ))}

            {user === null ? (
              <p className="panel">
                <Link
                  href={loginPath(pathname)}
                  className="button button-secondary"
                  data-testid="sign-in-to-complete"
                >
                  {lesson.data.kind === 'quiz' ? t.quiz.signIn : t.lesson.signInToComplete}
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
                key={`completion-${lessonId}`}
                course={course.data}
                lessonId={lessonId}
                progress={progress.data}
                onToggle={toggle}
                quiz={lesson.data.kind === 'quiz'}
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
