import { useCallback, useEffect, useState } from 'react';
import { Link } from 'wouter';
import type { Completion, CourseDetail, CourseProgress } from '../../api/api.types';
import { getCourse } from '../../api/courses.api';
import { isAbortError } from '../../api/http';
import { listMyCompletions, listMyCourseProgress } from '../../api/progress.api';
import { MyCertificates } from '../certificates/my-certificates';
import { useAuth } from '../../auth/auth';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { ProgressBar } from '../../components/progress-bar';
import { useI18n } from '../../i18n/i18n';
import { continueLessonId } from '../../lib/progress';
import { useResource } from '../../lib/use-resource';

const TIMELINE_PAGE = 20;

interface Enrollment {
  progress: CourseProgress;
  /** Null when the course is gone or no longer public. */
  course: CourseDetail | null;
}

interface LessonRef {
  title: string;
  courseId: number;
  courseTitle: string;
}

/** Every started course with its title and lessons (the progress summaries carry only ids). */
async function loadEnrollments(signal: AbortSignal): Promise<Enrollment[]> {
  const summaries = await listMyCourseProgress(signal);
  const courses = await Promise.allSettled(
    summaries.map((summary) => getCourse(summary.course_id, 'none', signal)),
  );
  return summaries.map((progress, i) => {
    const result = courses[i];
    return { progress, course: result?.status === 'fulfilled' ? result.value : null };
  });
}

function isFinished(progress: CourseProgress): boolean {
  return (
    progress.completed_at !== null ||
    (progress.total_lessons > 0 && progress.completed_lessons >= progress.total_lessons)
  );
}

function EnrollmentCard({ enrollment }: { enrollment: Enrollment }) {
  const { t, formatDate } = useI18n();
  const { progress, course } = enrollment;
  const percent = Math.round(progress.percent);
  const title = course?.title ?? t.my.unknownCourse(progress.course_id);
  const next = course === null ? null : continueLessonId(progress, course.lessons);

  return (
    <li className="card enrollment" data-testid="my-course" data-course-id={progress.course_id}>
      <h3 className="card-title">
        <Link href={`/courses/${progress.course_id}`} className="card-link">
          {title}
        </Link>
      </h3>
      <div className="progress-row">
        <ProgressBar percent={percent} label={title} />
        <span className="progress-percent" data-testid="my-course-percent">
          {t.common.percent(percent)}
        </span>
      </div>
      <p className="card-meta">
        <span>{t.course.progressSummary(progress.completed_lessons, progress.total_lessons)}</span>
        {progress.last_completed_at !== null && (
          <span>{t.my.lastActivity(formatDate(progress.last_completed_at))}</span>
        )}
      </p>
      {next !== null && !isFinished(progress) && (
        <p className="card-actions">
          <Link
            href={`/courses/${progress.course_id}/lessons/${next}`}
            className="button button-small"
            aria-label={`${t.my.continue}: ${title}`}
            data-testid="my-course-continue"
          >
            {t.my.continue}
          </Link>
        </p>
      )}
    </li>
  );
}

function Timeline({ lessons }: { lessons: Map<number, LessonRef> }) {
  const { t, formatDateTime } = useI18n();
  const [items, setItems] = useState<Completion[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);

  const loadPage = useCallback((offset: number, signal?: AbortSignal) => {
    setLoading(true);
    setError(undefined);
    listMyCompletions(TIMELINE_PAGE, offset, signal).then(
      (page) => {
        setItems((current) => (offset === 0 ? page.items : [...current, ...page.items]));
        setTotal(page.total);
        setHasMore(
          page.total === null ? page.items.length === TIMELINE_PAGE : offset + page.items.length < page.total,
        );
        setLoading(false);
      },
      (reason: unknown) => {
        if (isAbortError(reason)) return;
        setError(reason);
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    loadPage(0, controller.signal);
    return () => controller.abort();
  }, [loadPage]);

  return (
    <section aria-labelledby="timeline-heading" className="stack">
      <h2 id="timeline-heading">{t.my.timeline}</h2>
      {items.length === 0 && !loading && error === undefined && (
        <p className="empty" data-testid="timeline-empty">
          {t.my.timelineEmpty}
        </p>
      )}
      {items.length > 0 && (
        <ol className="timeline" data-testid="timeline" aria-busy={loading}>
          {items.map((item) => {
            const lesson = lessons.get(item.lesson_id);
            return (
              <li
                key={`${item.lesson_id}-${item.completed_at}`}
                className="timeline-item"
                data-testid="timeline-item"
              >
                <time dateTime={item.completed_at} className="timeline-time">
                  {formatDateTime(item.completed_at)}
                </time>
                <span className="timeline-body">
                  {lesson === undefined ? (
                    <span>{t.my.unknownLesson(item.lesson_id)}</span>
                  ) : (
                    <>
                      <Link href={`/courses/${lesson.courseId}/lessons/${item.lesson_id}`}>
                        {lesson.title}
                      </Link>{' '}
                      <span className="muted">{t.my.inCourse(lesson.courseTitle)}</span>
                    </>
                  )}
                </span>
              </li>
            );
          })}
        </ol>
      )}
      {loading && <Loading />}
      {error !== undefined && <ErrorMessage error={error} onRetry={() => loadPage(items.length)} />}
      {hasMore && !loading && error === undefined && (
        <p>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => loadPage(items.length)}
            data-testid="timeline-more"
          >
            {t.my.showMore}
          </button>
          {total !== null && (
            <span className="muted">
              {' '}
              {items.length} / {total}
            </span>
          )}
        </p>
      )}
    </section>
  );
}

export function MyLearningPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const enrollments = useResource(loadEnrollments, [user?.id]);
  useDocumentTitle(t.my.title);

  const lessons = new Map<number, LessonRef>();
  for (const { course } of enrollments.data ?? []) {
    if (course === null) continue;
    for (const lesson of course.lessons) {
      lessons.set(lesson.id, { title: lesson.title, courseId: course.id, courseTitle: course.title });
    }
  }
  const active = (enrollments.data ?? []).filter((item) => !isFinished(item.progress));
  const finished = (enrollments.data ?? []).filter((item) => isFinished(item.progress));

  return (
    <div className="stack-lg">
      <h1>{t.my.title}</h1>
      {enrollments.data === undefined ? (
        enrollments.error !== undefined ? (
          <ErrorMessage error={enrollments.error} onRetry={enrollments.reload} />
        ) : (
          <Loading />
        )
      ) : enrollments.data.length === 0 ? (
        <div className="empty stack" data-testid="my-empty">
          <p>{t.my.empty}</p>
          <p>
            <Link href="/" className="button">
              {t.my.browse}
            </Link>
          </p>
        </div>
      ) : (
        <>
          {active.length > 0 && (
            <section aria-labelledby="active-heading" className="stack">
              <h2 id="active-heading">{t.my.inProgress}</h2>
              <ul className="card-grid" data-testid="my-in-progress">
                {active.map((item) => (
                  <EnrollmentCard key={item.progress.course_id} enrollment={item} />
                ))}
              </ul>
            </section>
          )}
          {finished.length > 0 && (
            <section aria-labelledby="finished-heading" className="stack">
              <h2 id="finished-heading">{t.my.finished}</h2>
              <ul className="card-grid" data-testid="my-finished">
                {finished.map((item) => (
                  <EnrollmentCard key={item.progress.course_id} enrollment={item} />
                ))}
              </ul>
            </section>
          )}
        </>
      )}
      <MyCertificates />
      {enrollments.data !== undefined && enrollments.data.length > 0 && <Timeline lessons={lessons} />}
    </div>
  );
}
