import { useId, useState, type SubmitEvent } from 'react';
import type { CourseDetail, Section } from '../../api/api.types';
import { createSection, deleteSection, updateSection } from '../../api/courses.api';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { DateTimeField, TitleField } from '../../components/field';
import { useT } from '../../i18n/i18n';
import { useAction } from '../../lib/use-action';
import { sortedSections } from '../../lib/outline';
import { fromDateTimeInput, toDateTimeInput } from '../../lib/datetime-input';
import { useFocusAfterRender, type FocusAfterRender } from '../../lib/use-focus-after-render';

interface SectionRowProps {
  courseId: number;
  section: Section;
  index: number;
  count: number;
  busy: boolean;
  focus: FocusAfterRender;
  onMove: (section: Section, index: number, delta: -1 | 1) => void;
  onDelete: (section: Section) => void;
  onSaved: (message: string) => void;
}

/** One section: rename it and set its release date (a small form), move it, delete it. */
function SectionRow({
  courseId,
  section,
  index,
  count,
  busy,
  focus,
  onMove,
  onDelete,
  onSaved,
}: SectionRowProps) {
  const t = useT();
  const id = useId();
  const [title, setTitle] = useState(section.title);
  const [release, setRelease] = useState(toDateTimeInput(section.available_from));
  const { pending, error, run } = useAction();

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const next = title.trim();
    run(async () => {
      await updateSection(courseId, section.id, { title: next, available_from: fromDateTimeInput(release) });
      onSaved(t.sections.saved(next));
    });
  };

  return (
    <li className="row-item" data-testid="studio-section-row" data-section-id={section.id}>
      <form className="section-form" onSubmit={submit} aria-busy={pending} aria-label={section.title}>
        <div className="section-fields">
          <TitleField
            id={`${id}-title`}
            label={t.sections.title}
            value={title}
            onChange={setTitle}
            error={fieldError(error, 'title')}
            testId="section-title"
          />
          <DateTimeField
            id={`${id}-release`}
            label={t.sections.release}
            hint={t.sections.releaseHint}
            value={release}
            onChange={setRelease}
            error={fieldError(error, 'available_from')}
            testId="section-release"
          />
        </div>
        {error !== undefined && <ErrorMessage error={error} />}
        <div className="actions">
          <button
            type="submit"
            className="button button-small"
            aria-label={t.sections.saveFor(section.title)}
            data-testid="section-save"
          >
            {pending ? t.common.saving : t.common.save}
          </button>
          <span className="muted">{t.sections.lessonCount(section.lesson_ids.length)}</span>
          <span className="row-actions push-end">
            <button
              ref={focus.ref(`section-${section.id}-up`)}
              type="button"
              className="button button-secondary button-small button-icon"
              disabled={index === 0 || busy}
              aria-label={t.sections.moveUp(section.title)}
              title={t.sections.moveUp(section.title)}
              onClick={() => onMove(section, index, -1)}
              data-testid="section-move-up"
            >
              <span aria-hidden="true">↑</span>
            </button>
            <button
              ref={focus.ref(`section-${section.id}-down`)}
              type="button"
              className="button button-secondary button-small button-icon"
              disabled={index === count - 1 || busy}
              aria-label={t.sections.moveDown(section.title)}
              title={t.sections.moveDown(section.title)}
              onClick={() => onMove(section, index, 1)}
              data-testid="section-move-down"
            >
              <span aria-hidden="true">↓</span>
            </button>
            <button
              type="button"
              className="button button-danger-outline button-small"
              aria-label={t.sections.deleteFor(section.title)}
              onClick={() => onDelete(section)}
              data-testid="section-delete"
            >
              {t.common.delete}
            </button>
          </span>
        </div>
      </form>
    </li>
  );
}

interface SectionListProps {
  course: CourseDetail;
  reload: () => void;
  showStatus: (message: string) => void;
}

/** The course's sections in the studio: add, rename, reorder, set release dates, delete. */
export function SectionList({ course, reload, showStatus }: SectionListProps) {
  const t = useT();
  const id = useId();
  const [newTitle, setNewTitle] = useState('');
  const { pending: busy, error, run: runAction } = useAction();
  const [deleting, setDeleting] = useState<Section | null>(null);
  const focus = useFocusAfterRender();
  const sections = sortedSections(course);

  const run = (action: () => Promise<void>): void => runAction(action, reload);

  const add = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const title = newTitle.trim();
    if (title === '') return;
    run(async () => {
      await createSection(course.id, { title });
      setNewTitle('');
      showStatus(t.sections.added(title));
    });
  };

  const move = (section: Section, index: number, delta: -1 | 1): void => {
    const target = index + delta;
    if (target < 0 || target >= sections.length) return;
    const stillPossible = delta < 0 ? target > 0 : target < sections.length - 1;
    const direction = delta < 0 ? 'up' : 'down';
    const opposite = delta < 0 ? 'down' : 'up';
    focus.focusLater(`section-${section.id}-${stillPossible ? direction : opposite}`);
    run(async () => {
      await updateSection(course.id, section.id, { order: target + 1 });
      showStatus(t.sections.moved(section.title, target + 1));
    });
  };

  const confirmDelete = (): void => {
    const section = deleting;
    setDeleting(null);
    if (section === null) return;
    focus.focusLater('add-section');
    run(async () => {
      await deleteSection(course.id, section.id);
      showStatus(t.sections.deleted);
    });
  };

  return (
    <section className="stack" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{t.sections.heading}</h2>
      <p className="muted">{t.sections.intro}</p>
      {error !== undefined && <ErrorMessage error={error} />}
      {sections.length === 0 ? (
        <p className="empty">{t.sections.empty}</p>
      ) : (
        <ol className="row-list" data-testid="studio-section-list" aria-busy={busy}>
          {sections.map((section, index) => (
            <SectionRow
              // A section saved elsewhere (or moved) gets fresh inputs.
              key={`${section.id}:${section.title}:${section.available_from ?? ''}`}
              courseId={course.id}
              section={section}
              index={index}
              count={sections.length}
              busy={busy}
              focus={focus}
              onMove={move}
              onDelete={setDeleting}
              onSaved={(message) => {
                showStatus(message);
                reload();
              }}
            />
          ))}
        </ol>
      )}
      <form className="actions section-row" onSubmit={add}>
        <TitleField
          id={`${id}-new`}
          label={t.sections.newTitle}
          value={newTitle}
          onChange={setNewTitle}
          testId="new-section-title"
        />
        <button ref={focus.ref('add-section')} type="submit" className="button" data-testid="add-section">
          {t.sections.add}
        </button>
      </form>
      <ConfirmDialog
        message={deleting === null ? null : t.sections.confirmDelete(deleting.title)}
        onConfirm={confirmDelete}
        onCancel={() => setDeleting(null)}
      />
    </section>
  );
}
