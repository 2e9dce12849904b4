import { useId, useState, type SubmitEvent } from 'react';
import type { CourseDetail } from '../../api/api.types';
import { updateCourse } from '../../api/courses.api';
import { TextAreaField, TitleField } from '../../components/field';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { useT } from '../../i18n/i18n';

interface CourseFormProps {
  course: CourseDetail;
  onSaved: (message: string) => void;
  onDelete: () => void;
}

export function CourseForm({ course, onSaved, onDelete }: CourseFormProps) {
  const t = useT();
  const id = useId();
  const [title, setTitle] = useState(course.title);
  const [description, setDescription] = useState(course.description);
  const [pending, setPending] = useState<'save' | 'publish' | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const run = (
    kind: 'save' | 'publish',
    changes: Parameters<typeof updateCourse>[1],
    message: string,
  ): void => {
    if (pending !== null) return;
    setPending(kind);
    setError(undefined);
    updateCourse(course.id, changes)
      .then(() => onSaved(message))
      .catch((reason: unknown) => setError(reason))
      .finally(() => setPending(null));
  };

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    run('save', { title: title.trim(), description: description.trim() }, t.studio.saved);
  };

  const titleError = fieldError(error, 'title');

  return (
    <section className="panel stack" aria-labelledby={`${id}-heading`}>
      <div className="section-head">
        <h2 id={`${id}-heading`}>{t.studio.details}</h2>
        <span
          className={course.published ? 'badge badge-success' : 'badge badge-warning'}
          data-testid="course-status"
        >
          {course.published ? t.common.published : t.common.draft}
        </span>
      </div>
      <form className="stack" onSubmit={submit} aria-busy={pending === 'save'}>
        <TitleField
          id={`${id}-title`}
          label={t.studio.courseTitle}
          value={title}
          onChange={setTitle}
          error={titleError}
          testId="course-edit-title"
        />
        <TextAreaField
          id={`${id}-description`}
          label={t.studio.courseDescription}
          value={description}
          onChange={setDescription}
          error={fieldError(error, 'description')}
          rows={4}
          testId="course-edit-description"
        />
        {error !== undefined && <ErrorMessage error={error} testId="form-error" />}
        <div className="actions">
          <button type="submit" className="button" data-testid="course-save">
            {pending === 'save' ? t.common.saving : t.studio.saveCourse}
          </button>
          <button
            type="button"
            className="button button-secondary"
            onClick={() =>
              run(
                'publish',
                { published: !course.published },
                course.published ? t.studio.unpublishedNow : t.studio.publishedNow,
              )
            }
            data-testid="publish-toggle"
          >
            {course.published ? t.studio.unpublish : t.studio.publish}
          </button>
          <button
            type="button"
            className="button button-danger-outline push-end"
            onClick={onDelete}
            data-testid="delete-course"
          >
            {t.studio.deleteCourse}
          </button>
        </div>
        <p className="muted">{course.published ? t.studio.statusPublished : t.studio.statusDraft}</p>
      </form>
    </section>
  );
}
