import { useState } from 'react';
import { Link } from 'wouter';
import type { CourseDetail, LessonSummary } from '../../api/api.types';
import { deleteLesson, updateLesson } from '../../api/courses.api';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorMessage } from '../../components/error-message';
import { useT } from '../../i18n/i18n';
import { useAction } from '../../lib/use-action';
import type { Resource } from '../../lib/use-resource';
import { sectionOfLesson, sortedSections } from '../../lib/outline';
import { useFocusAfterRender } from '../../lib/use-focus-after-render';
import { LessonEditor } from './lesson-editor';

type Editing = { kind: 'new' } | { kind: 'edit'; lessonId: number } | null;

interface LessonListProps {
  course: CourseDetail;
  /** Changes the loaded course locally (an optimistic move), then `reload` fetches the truth. */
  setCourse: Resource<CourseDetail>['setData'];
  reload: () => void;
  showStatus: (message: string) => void;
}

/** The course's lessons in the studio: add, edit, reorder and delete them. */
export function LessonList({ course: data, setCourse, reload, showStatus }: LessonListProps) {
  const t = useT();
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<LessonSummary | null>(null);
  const { pending: busy, error, run } = useAction();
  const focus = useFocusAfterRender();
  const sections = sortedSections(data);

  const runLessonAction = (action: () => Promise<void>): void => run(action, reload);

  const move = (lesson: LessonSummary, index: number, delta: -1 | 1): void => {
    const target = index + delta;
    const last = data.lessons.length - 1;
    if (target < 0 || target > last) return;
    const direction = delta < 0 ? 'up' : 'down';
    const opposite = delta < 0 ? 'down' : 'up';
    const stillPossible = delta < 0 ? target > 0 : target < last;
    focus.focusLater(`${lesson.id}-${stillPossible ? direction : opposite}`);
    setCourse((current) => {
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

  const moveToSection = (lesson: LessonSummary, sectionId: number | null): void => {
    const name = sections.find((section) => section.id === sectionId)?.title ?? t.studio.noSection;
    runLessonAction(async () => {
      await updateLesson(data.id, lesson.id, { section_id: sectionId });
      showStatus(t.studio.lessonMovedTo(lesson.title, name));
    });
  };

  const confirmDelete = (): void => {
    const lesson = deleting;
    setDeleting(null);
    if (lesson === null) return;
    focus.focusLater('add-lesson');
    runLessonAction(async () => {
      await deleteLesson(data.id, lesson.id);
      showStatus(t.studio.lessonDeleted);
    });
  };

  const closeEditor = (focusKey: string): void => {
    setEditing(null);
    focus.focusLater(focusKey);
  };

  const saved = (focusKey: string) => (message: string) => {
    showStatus(message);
    closeEditor(focusKey);
    reload();
  };

  return (
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
                  onSaved={saved(`${lesson.id}-edit`)}
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
                    {lesson.kind === 'quiz' && (
                      <span className="badge" data-testid="studio-lesson-quiz">
                        {t.quizStudio.quizBadge}
                      </span>
                    )}
                    {sections.length > 0 && (
                      <select
                        className="input input-inline select-inline"
                        aria-label={t.studio.lessonSection(lesson.title)}
                        value={sectionOfLesson(data, lesson.id)?.id ?? ''}
                        disabled={busy}
                        onChange={(event) =>
                          moveToSection(lesson, event.target.value === '' ? null : Number(event.target.value))
                        }
                        data-testid="lesson-section"
                      >
                        <option value="">{t.studio.noSection}</option>
                        {sections.map((section) => (
                          <option key={section.id} value={section.id}>
                            {section.title}
                          </option>
                        ))}
                      </select>
                    )}
                  </div>
                  <div className="row-actions">
                    {lesson.kind === 'quiz' && (
                      <>
                        <Link
                          href={`/studio/courses/${data.id}/quizzes/${lesson.id}`}
                          className="button button-small"
                          aria-label={t.quizStudio.editQuiz(lesson.title)}
                          data-testid="lesson-quiz-editor"
                        >
                          {t.quizStudio.quizBadge}
                        </Link>
                        <Link
                          href={`/studio/courses/${data.id}/quizzes/${lesson.id}/grading`}
                          className="button button-secondary button-small"
                          aria-label={t.quizStudio.gradingFor(lesson.title)}
                          data-testid="lesson-quiz-grading"
                        >
                          {t.quizStudio.gradingShort}
                        </Link>
                      </>
                    )}
                    <button
                      ref={focus.ref(`${lesson.id}-up`)}
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
                      ref={focus.ref(`${lesson.id}-down`)}
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
                      ref={focus.ref(`${lesson.id}-edit`)}
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
                      onClick={() => setDeleting(lesson)}
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
            onSaved={saved('add-lesson')}
            onCancel={() => closeEditor('add-lesson')}
          />
        </div>
      ) : (
        <div>
          <button
            ref={focus.ref('add-lesson')}
            type="button"
            className="button"
            onClick={() => setEditing({ kind: 'new' })}
            data-testid="add-lesson"
          >
            {t.studio.addLesson}
          </button>
        </div>
      )}
      <ConfirmDialog
        message={deleting === null ? null : t.studio.confirmDeleteLesson(deleting.title)}
        onConfirm={confirmDelete}
        onCancel={() => setDeleting(null)}
      />
    </section>
  );
}
