import { useDeferredValue, useEffect, useId, useRef, useState, type SubmitEvent } from 'react';
import { Link, useLocation } from 'wouter';
import type { CourseDetail, LessonSummary } from '../api/api.types';
import {
  createLesson,
  deleteCourse,
  deleteLesson,
  getCourse,
  getLesson,
  updateCourse,
  updateLesson,
} from '../api/courses.api';
import { useAuth } from '../auth/auth';
import { ConfirmDialog } from '../components/confirm-dialog';
import { useDocumentTitle } from '../components/document-title';
import { Field, TitleField } from '../components/field';
import { CourseFallback } from '../components/course-fallback';
import { ErrorMessage, fieldError } from '../components/error-message';
import { Loading } from '../components/loading';
import { StatusMessage, useStatus } from '../components/status-message';
import { useT } from '../i18n/i18n';
import { useResource } from '../lib/use-resource';
import { MarkdownView } from '../markdown/markdown-view';

interface CourseFormProps {
  course: CourseDetail;
  onSaved: (message: string) => void;
  onDelete: () => void;
}

function CourseForm({ course, onSaved, onDelete }: CourseFormProps) {
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
        <Field id={`${id}-description`} label={t.studio.courseDescription}>
          {(control) => (
            <textarea
              {...control}
              className="input"
              rows={4}
              value={description}
              onChange={(event) => setDescription(event.target.value)}
              data-testid="course-edit-description"
            />
          )}
        </Field>
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

interface LessonEditorProps {
  courseId: number;
  /** The lesson to edit; absent to add a new one. */
  lesson?: LessonSummary;
  onSaved: (message: string) => void;
  onCancel: () => void;
}

function LessonEditor({ courseId, lesson, onSaved, onCancel }: LessonEditorProps) {
  const t = useT();
  const id = useId();
  const existing = useResource(
    (signal) =>
      lesson === undefined ? Promise.resolve(null) : getLesson(courseId, lesson.id, 'required', signal),
    [courseId, lesson?.id],
  );
  const [title, setTitle] = useState(lesson?.title ?? '');
  const [content, setContent] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const preview = useDeferredValue(content);
  const titleInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (existing.data) {
      setTitle(existing.data.title);
      setContent(existing.data.content);
    }
  }, [existing.data]);

  useEffect(() => {
    titleInput.current?.focus();
  }, []);

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setError(undefined);
    const input = { title: title.trim(), content };
    const request =
      lesson === undefined ? createLesson(courseId, input) : updateLesson(courseId, lesson.id, input);
    request.then(
      () => onSaved(lesson === undefined ? t.studio.lessonAdded : t.studio.lessonSaved),
      (reason: unknown) => {
        setError(reason);
        setPending(false);
      },
    );
  };

  if (lesson !== undefined && existing.data === undefined) {
    return existing.error !== undefined ? (
      <ErrorMessage error={existing.error} onRetry={existing.reload} />
    ) : (
      <Loading />
    );
  }

  const titleError = fieldError(error, 'title');
  const contentError = fieldError(error, 'content');

  return (
    <form
      className="lesson-editor stack"
      onSubmit={submit}
      aria-labelledby={`${id}-heading`}
      data-testid="lesson-form"
    >
      <h3 id={`${id}-heading`}>{lesson === undefined ? t.studio.newLesson : t.studio.editLessonHeading}</h3>
      <TitleField
        id={`${id}-title`}
        label={t.studio.lessonTitle}
        value={title}
        onChange={setTitle}
        error={titleError}
        testId="lesson-form-title"
        inputRef={titleInput}
      />
      <div className="editor-grid">
        <Field
          id={`${id}-content`}
          label={t.studio.lessonContent}
          hint={t.studio.markdownHelp}
          error={contentError}
        >
          {(control) => (
            <textarea
              {...control}
              className="input mono"
              rows={14}
              value={content}
              onChange={(event) => setContent(event.target.value)}
              data-testid="lesson-form-content"
            />
          )}
        </Field>
        <section className="field" aria-labelledby={`${id}-preview-heading`}>
          <h4 id={`${id}-preview-heading`} className="label">
            {t.studio.preview}
          </h4>
          <div className="preview" data-testid="lesson-preview">
            {preview.trim() === '' ? (
              <p className="muted">{t.studio.previewEmpty}</p>
            ) : (
              <MarkdownView source={preview} />
            )}
          </div>
        </section>
      </div>
      {error !== undefined && <ErrorMessage error={error} testId="form-error" />}
      <div className="actions">
        <button type="submit" className="button" data-testid="lesson-form-submit">
          {pending ? t.common.saving : lesson === undefined ? t.studio.addLessonSubmit : t.studio.saveLesson}
        </button>
        <button
          type="button"
          className="button button-secondary"
          onClick={onCancel}
          data-testid="lesson-form-cancel"
        >
          {t.common.cancel}
        </button>
      </div>
    </form>
  );
}

type Editing = { kind: 'new' } | { kind: 'edit'; lessonId: number } | null;
type Pending = { kind: 'delete-course' } | { kind: 'delete-lesson'; lesson: LessonSummary } | null;

export function StudioCoursePage({ id }: { id: number }) {
  const t = useT();
  const { user } = useAuth();
  const [, navigate] = useLocation();
  const course = useResource((signal) => getCourse(id, 'required', signal), [id]);
  const [editing, setEditing] = useState<Editing>(null);
  const [confirm, setConfirm] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [status, showStatus] = useStatus();
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const focusAfterRender = useRef<string | null>(null);
  useDocumentTitle(course.data === undefined ? t.studio.title : t.studio.editCourse(course.data.title));

  useEffect(() => {
    const key = focusAfterRender.current;
    if (key === null) return;
    focusAfterRender.current = null;
    buttons.current.get(key)?.focus();
  });

  const buttonRef = (key: string) => (element: HTMLButtonElement | null) => {
    if (element === null) buttons.current.delete(key);
    else buttons.current.set(key, element);
  };

  if (course.data === undefined) {
    return (
      <CourseFallback
        error={course.error}
        onRetry={course.reload}
        backHref="/studio"
        backLabel={t.studio.backToStudio}
      />
    );
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

  const runLessonAction = (action: () => Promise<void>): void => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    action()
      .catch((reason: unknown) => setError(reason))
      .finally(() => {
        setBusy(false);
        course.reload();
      });
  };

  const move = (lesson: LessonSummary, index: number, delta: -1 | 1): void => {
    const target = index + delta;
    const last = data.lessons.length - 1;
    if (target < 0 || target > last) return;
    const direction = delta < 0 ? 'up' : 'down';
    const opposite = delta < 0 ? 'down' : 'up';
    const stillPossible = delta < 0 ? target > 0 : target < last;
    focusAfterRender.current = `${lesson.id}-${stillPossible ? direction : opposite}`;
    course.setData((current) => {
      if (current === undefined) return current;
      const lessons = [...current.lessons];
      const [moved] = lessons.splice(index, 1);
      if (moved === undefined) return current;
      lessons.splice(target, 0, moved);
      return { ...current, lessons: lessons.map((item, i) => ({ ...item, order: i + 1 })) };
    });
    runLessonAction(async () => {
      await updateLesson(data.id, lesson.id, { order: target + 1 });
      showStatus(t.studio.lessonMoved(lesson.title, target + 1));
    });
  };

  const confirmMessage =
    confirm === null
      ? null
      : confirm.kind === 'delete-course'
        ? t.studio.confirmDeleteCourse(data.title)
        : t.studio.confirmDeleteLesson(confirm.lesson.title);

  const onConfirm = (): void => {
    const pending = confirm;
    setConfirm(null);
    if (pending === null) return;
    if (pending.kind === 'delete-course') {
      deleteCourse(data.id).then(
        () => navigate('/studio'),
        (reason: unknown) => setError(reason),
      );
      return;
    }
    focusAfterRender.current = 'add-lesson';
    runLessonAction(async () => {
      await deleteLesson(data.id, pending.lesson.id);
      showStatus(t.studio.lessonDeleted);
    });
  };

  const closeEditor = (focusKey: string): void => {
    setEditing(null);
    focusAfterRender.current = focusKey;
  };

  return (
    <div className="stack-lg studio-course">
      <p className="actions">
        <Link href="/studio" className="back-link">
          <span aria-hidden="true">← </span>
          {t.studio.backToStudio}
        </Link>
        <Link href={`/courses/${data.id}`} className="back-link push-end" data-testid="view-course">
          {t.studio.view}
        </Link>
      </p>
      <h1 data-testid="studio-course-heading">{data.title}</h1>

      <CourseForm
        course={data}
        onSaved={(message) => {
          showStatus(message);
          course.reload();
        }}
        onDelete={() => setConfirm({ kind: 'delete-course' })}
      />

      <section className="stack" aria-labelledby="studio-lessons-heading">
        <h2 id="studio-lessons-heading">{t.studio.lessonsHeading}</h2>
        {error !== undefined && <ErrorMessage error={error} />}
        {data.lessons.length === 0 ? (
          <p className="empty">{t.studio.noLessons}</p>
        ) : (
          <ol className="row-list" data-testid="studio-lesson-list" aria-busy={busy}>
            {data.lessons.map((lesson, index) => (
              <li
                key={lesson.id}
                className="row-item"
                data-testid="studio-lesson-row"
                data-lesson-id={lesson.id}
              >
                {editing?.kind === 'edit' && editing.lessonId === lesson.id ? (
                  <LessonEditor
                    courseId={data.id}
                    lesson={lesson}
                    onSaved={(message) => {
                      showStatus(message);
                      closeEditor(`${lesson.id}-edit`);
                      course.reload();
                    }}
                    onCancel={() => closeEditor(`${lesson.id}-edit`)}
                  />
                ) : (
                  <>
                    <div className="row-main">
                      <span className="lesson-number" aria-hidden="true">
                        {index + 1}
                      </span>
                      <span className="row-title" data-testid="studio-lesson-title">
                        {lesson.title}
                      </span>
                    </div>
                    <div className="row-actions">
                      <button
                        ref={buttonRef(`${lesson.id}-up`)}
                        type="button"
                        className="button button-secondary button-small button-icon"
                        disabled={index === 0}
                        aria-label={t.studio.moveUp(lesson.title)}
                        title={t.studio.moveUp(lesson.title)}
                        onClick={() => move(lesson, index, -1)}
                        data-testid="lesson-move-up"
                      >
                        <span aria-hidden="true">↑</span>
                      </button>
                      <button
                        ref={buttonRef(`${lesson.id}-down`)}
                        type="button"
                        className="button button-secondary button-small button-icon"
                        disabled={index === data.lessons.length - 1}
                        aria-label={t.studio.moveDown(lesson.title)}
                        title={t.studio.moveDown(lesson.title)}
                        onClick={() => move(lesson, index, 1)}
                        data-testid="lesson-move-down"
                      >
                        <span aria-hidden="true">↓</span>
                      </button>
                      <button
                        ref={buttonRef(`${lesson.id}-edit`)}
                        type="button"
                        className="button button-secondary button-small"
                        aria-label={t.studio.editLesson(lesson.title)}
                        onClick={() => setEditing({ kind: 'edit', lessonId: lesson.id })}
                        data-testid="lesson-edit"
                      >
                        {t.common.edit}
                      </button>
                      <button
                        type="button"
                        className="button button-danger-outline button-small"
                        aria-label={t.studio.deleteLesson(lesson.title)}
                        onClick={() => setConfirm({ kind: 'delete-lesson', lesson })}
                        data-testid="lesson-delete"
                      >
                        {t.common.delete}
                      </button>
                    </div>
                  </>
                )}
              </li>
            ))}
          </ol>
        )}

        {editing?.kind === 'new' ? (
          <div className="panel">
            <LessonEditor
              courseId={data.id}
              onSaved={(message) => {
                showStatus(message);
                closeEditor('add-lesson');
                course.reload();
              }}
              onCancel={() => closeEditor('add-lesson')}
            />
          </div>
        ) : (
          <div>
            <button
              ref={buttonRef('add-lesson')}
              type="button"
              className="button"
              onClick={() => setEditing({ kind: 'new' })}
              data-testid="add-lesson"
            >
              {t.studio.addLesson}
            </button>
          </div>
        )}
      </section>

      <ConfirmDialog message={confirmMessage} onConfirm={onConfirm} onCancel={() => setConfirm(null)} />
      <StatusMessage message={status} />
    </div>
  );
}
