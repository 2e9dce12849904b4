import { useDeferredValue, useEffect, useId, useRef, useState, type SubmitEvent } from 'react';
import type { LessonKind, LessonSummary } from '../../api/api.types';
import { createLesson, getLesson, updateLesson } from '../../api/courses.api';
import { Field, TitleField } from '../../components/field';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { useT } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';
import { MarkdownView } from '../../markdown/markdown-view';
import { useAction } from '../../lib/use-action';

const LESSON_KINDS: readonly LessonKind[] = ['text', 'quiz'];

interface LessonEditorProps {
  courseId: number;
  /** The lesson to edit; absent to add a new one. */
  lesson?: LessonSummary;
  onSaved: (message: string) => void;
  onCancel: () => void;
}

export function LessonEditor({ courseId, lesson, onSaved, onCancel }: LessonEditorProps) {
  const t = useT();
  const id = useId();
  const existing = useResource(
    (signal) =>
      lesson === undefined ? Promise.resolve(null) : getLesson(courseId, lesson.id, 'required', signal),
    [courseId, lesson?.id],
  );
  const [title, setTitle] = useState(lesson?.title ?? '');
  const [content, setContent] = useState('');
  const [kind, setKind] = useState<LessonKind>(lesson?.kind ?? 'text');
  const { pending, error, run } = useAction();
  const preview = useDeferredValue(content);
  const titleInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (existing.data) {
      setTitle(existing.data.title);
      setContent(existing.data.content);
      setKind(existing.data.kind);
    }
  }, [existing.data]);

  useEffect(() => {
    titleInput.current?.focus();
  }, []);

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const input = { title: title.trim(), content, kind };
    run(async () => {
      if (lesson === undefined) await createLesson(courseId, input);
      else await updateLesson(courseId, lesson.id, input);
      onSaved(lesson === undefined ? t.studio.lessonAdded : t.studio.lessonSaved);
    });
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
      <fieldset className="fieldset" aria-describedby={`${id}-kind-hint`}>
        <legend>{t.quizStudio.lessonKind}</legend>
        <div className="radio-row">
          {LESSON_KINDS.map((value) => (
            <label key={value} className="checkbox">
              <input
                type="radio"
                name={`${id}-kind`}
                value={value}
                checked={kind === value}
                onChange={() => setKind(value)}
                data-testid={`lesson-form-kind-${value}`}
              />
              {t.quizStudio.lessonKinds[value]}
            </label>
          ))}
        </div>
        <p id={`${id}-kind-hint`} className="field-hint">
          {t.quizStudio.lessonKindHint}
        </p>
      </fieldset>
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
