import { useEffect, useRef, useState } from 'react';
import type { CourseDetail, CourseProgress } from '../../api/api.types';
import { ErrorMessage } from '../../components/error-message';
import { ProgressBar } from '../../components/progress-bar';
import { useT } from '../../i18n/i18n';

interface CompletionPanelProps {
  course: CourseDetail;
  lessonId: number;
  progress: CourseProgress | null;
  onToggle: (completed: boolean) => Promise<void>;
  /** A quiz lesson is completed by passing the quiz (the server records it), never by a button. */
  quiz?: boolean;
}

/**
 * Below a lesson: "mark complete" and its undo (a quiz lesson says instead that passing completes it), the
 * course's percent as it stands, and the focus kept on the button that replaced the one pressed.
 */
export function CompletionPanel({
  course,
  lessonId,
  progress,
  onToggle,
  quiz = false,
}: CompletionPanelProps) {
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

  const doneNote = (
    <p className="completion-done" data-testid="lesson-completed">
      <span className="check" aria-hidden="true">
        ✓
      </span>
      {courseDone ? t.lesson.courseDone : t.lesson.done}
    </p>
  );
  const toggleButton = (
    <button
      ref={button}
      type="button"
      className={completed ? 'button button-secondary' : 'button button-large'}
      onClick={toggle}
      aria-disabled={pending}
      data-testid={completed ? 'undo-complete-button' : 'complete-button'}
    >
      {completed ? t.lesson.undo : t.lesson.markComplete}
    </button>
  );

  return (
    <section className="panel completion" aria-label={t.course.progressLabel}>
      {quiz ? (
        completed ? (
          doneNote
        ) : (
          <p className="muted" data-testid="quiz-pass-to-complete">
            {t.quiz.passToComplete}
          </p>
        )
      ) : completed ? (
        <div className="completion-row">
          {doneNote}
          {toggleButton}
        </div>
      ) : (
        toggleButton
      )}
      <div className="progress-row">
        <ProgressBar percent={percent} label={t.course.progressLabel} testId="lesson-progress" />
        <span className="progress-percent" data-testid="lesson-progress-percent">
          {t.common.percent(percent)}
        </span>
      </div>
      <p className="muted">
        {t.course.progressSummary(
          progress?.completed_lessons ?? 0,
          progress?.total_lessons ?? course.lessons.length,
        )}
      </p>
      {error !== undefined && <ErrorMessage error={error} />}
    </section>
  );
}
