import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { deleteCourse, getCourse } from '../../api/courses.api';
import { useAuth } from '../../auth/auth';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { StudioCourseFallback } from '../../components/course-fallback';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage, useStatus } from '../../components/status-message';
import { useT } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';
import { CourseForm } from './course-form';
import { EnrollmentSettingsForm } from './enrollment-settings-form';
import { InviteList } from './invite-list';
import { LessonList } from './lesson-list';
import { SectionList } from './section-list';

/** One course in the studio, for its owner or an admin: details, enrollment, sections, lessons, invites. */
export function StudioCoursePage({ id }: { id: number }) {
  const t = useT();
  const { user } = useAuth();
  const [, navigate] = useLocation();
  const course = useResource((signal) => getCourse(id, 'required', signal, true), [id]);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [status, showStatus] = useStatus();
  useDocumentTitle(course.data === undefined ? t.studio.title : t.studio.editCourse(course.data.title));

  if (course.data === undefined) {
    return <StudioCourseFallback error={course.error} onRetry={course.reload} />;
  }

  const data = course.data;
  if (user !== null && user.role !== 'admin' && data.owner_id !== user.id) {
    return (
      <div className="alert alert-info" role="alert" data-testid="forbidden">
        <p>{t.studio.notOwner}</p>
        <Link href="/studio">{t.studio.backToStudio}</Link>
      </div>
    );
  }

  const onConfirmDelete = (): void => {
    setConfirmingDelete(false);
    deleteCourse(data.id).then(
      () => navigate('/studio'),
      (reason: unknown) => setError(reason),
    );
  };

  return (
    <div className="stack-lg studio-course">
      <p className="actions">
        <Link href="/studio" className="back-link">
          <span aria-hidden="true">← </span>
          {t.studio.backToStudio}
        </Link>
        <Link
          href={`/studio/courses/${data.id}/roster`}
          className="back-link push-end"
          data-testid="roster-link"
        >
          {t.studio.roster}
        </Link>
        <Link
          href={`/studio/courses/${data.id}/analytics`}
          className="back-link"
          data-testid="analytics-link"
        >
          {t.analytics.heading}
        </Link>
        <Link href={`/courses/${data.id}`} className="back-link" data-testid="view-course">
          {t.studio.view}
        </Link>
      </p>
      <h1 data-testid="studio-course-heading">{data.title}</h1>
      {error !== undefined && <ErrorMessage error={error} />}

      <CourseForm
        course={data}
        onSaved={(message) => {
          showStatus(message);
          course.reload();
        }}
        onDelete={() => setConfirmingDelete(true)}
      />
      <EnrollmentSettingsForm
        key={`${data.enrollment}:${data.capacity}:${data.enroll_opens_at}:${data.enroll_closes_at}:${data.sequential}`}
        course={data}
        onSaved={(message) => {
          showStatus(message);
          course.reload();
        }}
      />
      <SectionList course={data} reload={course.reload} showStatus={showStatus} />
      <LessonList course={data} setCourse={course.setData} reload={course.reload} showStatus={showStatus} />

      <InviteList courseId={data.id} showStatus={showStatus} />

      <ConfirmDialog
        message={confirmingDelete ? t.studio.confirmDeleteCourse(data.title) : null}
        onConfirm={onConfirmDelete}
        onCancel={() => setConfirmingDelete(false)}
      />
      <StatusMessage message={status} />
    </div>
  );
}
