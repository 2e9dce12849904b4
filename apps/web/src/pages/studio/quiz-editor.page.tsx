import { useId, useState, type SubmitEvent } from 'react';
import { Link } from 'wouter';
import type { LessonSummary } from '../../api/api.types';
import {
  getAuthoredQuiz,
  QUESTION_KINDS,
  saveQuiz,
  type AuthoredQuiz,
  type QuestionKind,
} from '../../api/assessments.api';
import { getCourse } from '../../api/courses.api';
import { ApiError } from '../../api/http';
import { useAuth } from '../../auth/auth';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { StudioCourseFallback } from '../../components/course-fallback';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { StatusMessage, useStatus } from '../../components/status-message';
import { useT } from '../../i18n/i18n';
import { useFocusAfterRender } from '../../lib/use-focus-after-render';
import { useResource } from '../../lib/use-resource';
import { GiftImport } from './gift-import';
import {
  adoptSaved,
  emptyQuestion,
  newQuestions,
  noQuizErrors,
  quizDraft,
  quizErrors,
  quizInput,
  sameQuiz,
  settingsDraft,
  type QuestionDraft,
  type QuizDraft,
  type QuizErrors,
} from './quiz-draft';
import { QuizQuestionForm } from './quiz-question-form';
import { QuizSettingsFields } from './quiz-settings-fields';
import { useUnsavedChanges } from './use-unsaved-changes';

interface QuizEditorProps {
  lesson: LessonSummary;
  /** As stored; null when the lesson has no quiz yet. */
  stored: AuthoredQuiz | null;
}

function QuizEditor({ lesson, stored }: QuizEditorProps) {
  const t = useT();
  const q = t.quizStudio;
  const id = useId();
  const [saved, setSaved] = useState<QuizDraft>(() => quizDraft(stored));
  const [draft, setDraft] = useState<QuizDraft>(saved);
  const [exists, setExists] = useState(stored !== null);
  const [errors, setErrors] = useState<QuizErrors>(noQuizErrors);
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [pending, setPending] = useState(false);
  const [newKind, setNewKind] = useState<QuestionKind>('single');
  const [status, showStatus] = useStatus();
  const focus = useFocusAfterRender();
  const dirty = !sameQuiz(saved, draft);
  const guard = useUnsavedChanges(dirty);
  const trueFalse = { true: q.trueLabel, false: q.falseLabel };

  const setQuestions = (update: (questions: QuestionDraft[]) => QuestionDraft[]): void =>
    setDraft((current) => ({ ...current, questions: update(current.questions) }));

  const move = (index: number, delta: -1 | 1): void => {
    const target = index + delta;
    const question = draft.questions[index];
    if (question === undefined || target < 0 || target >= draft.questions.length) return;
    const direction = delta < 0 ? 'up' : 'down';
    const opposite = delta < 0 ? 'down' : 'up';
    const stillPossible = delta < 0 ? target > 0 : target < draft.questions.length - 1;
    focus.focusLater(`${question.key}-${stillPossible ? direction : opposite}`);
    setQuestions((questions) => {
      const next = [...questions];
      const [moved] = next.splice(index, 1);
      if (moved !== undefined) next.splice(target, 0, moved);
      return next;
    });
    showStatus(q.questionMoved(index + 1, target + 1));
  };

  const remove = (index: number): void => {
    setQuestions((questions) => questions.filter((_, i) => i !== index));
    focus.focusLater('add-question');
    showStatus(q.questionRemoved(index + 1));
  };

  const add = (): void => {
    const question = emptyQuestion(newKind, trueFalse);
    setQuestions((questions) => [...questions, question]);
    focus.focusLater(`${question.key}-text`);
    showStatus(q.questionAdded(draft.questions.length + 1));
  };

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (pending) return;
    const sent = draft;
    setPending(true);
    setSaveError(undefined);
    saveQuiz(lesson.id, quizInput(sent))
      .then(
        (result) => {
          setSaved(adoptSaved(sent, sent, result));
          setDraft((current) => adoptSaved(current, sent, result));
          setErrors(noQuizErrors);
          setExists(true);
          showStatus(q.saved);
        },
        (reason: unknown) => {
          setSaveError(reason);
          setErrors(
            reason instanceof ApiError && reason.status === 422
              ? quizErrors(
                  reason.fieldErrors,
                  sent.questions.map((question) => question.key),
                )
              : noQuizErrors,
          );
          showStatus(q.notSaved);
        },
      )
      .finally(() => setPending(false));
  };

  const imported = (quiz: AuthoredQuiz): void => {
    const added = newQuestions(quiz, saved);
    setSaved((current) => ({ settings: settingsDraft(quiz), questions: [...current.questions, ...added] }));
    setDraft((current) => ({ ...current, questions: [...current.questions, ...added] }));
    setExists(true);
    showStatus(q.imported(added.length));
  };

  return (
    <>
      <form className="stack-lg" onSubmit={submit} aria-busy={pending} data-testid="quiz-editor">
        <section className="panel stack" aria-labelledby={`${id}-settings`}>
          <h2 id={`${id}-settings`}>{q.settingsHeading}</h2>
          <QuizSettingsFields
            settings={draft.settings}
            onChange={(settings) => setDraft((current) => ({ ...current, settings }))}
            errors={errors.settings}
          />
        </section>

        <section className="stack" aria-labelledby={`${id}-questions`}>
          <h2 id={`${id}-questions`}>{q.questionsHeading(draft.questions.length)}</h2>
          {draft.questions.length === 0 ? (
            <p className="empty">{q.noQuestions}</p>
          ) : (
            <ol className="question-list" data-testid="quiz-question-list">
              {draft.questions.map((question, index) => (
                <li key={question.key} className="panel">
                  <QuizQuestionForm
                    question={question}
                    index={index}
                    count={draft.questions.length}
                    errors={errors.questions[question.key]}
                    onChange={(next) =>
                      setQuestions((questions) =>
                        questions.map((each) => (each.key === next.key ? next : each)),
                      )
                    }
                    onMove={(delta) => move(index, delta)}
                    onRemove={() => remove(index)}
                    buttonRef={(name) => focus.ref(`${question.key}-${name}`)}
                  />
                </li>
              ))}
            </ol>
          )}
          <div className="add-question">
            <label htmlFor={`${id}-new-kind`}>{q.newQuestionKind}</label>
            <select
              id={`${id}-new-kind`}
              className="input input-inline"
              value={newKind}
              onChange={(event) => setNewKind(event.target.value as QuestionKind)}
              data-testid="new-question-kind"
            >
              {QUESTION_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {q.questionKinds[kind]}
                </option>
              ))}
            </select>
            <button
              ref={focus.ref('add-question')}
              type="button"
              className="button button-secondary"
              onClick={add}
              data-testid="add-question"
            >
              {q.addQuestion}
            </button>
          </div>
        </section>

        <div className="save-bar" data-testid="quiz-save-bar">
          <p className="save-state" data-testid="quiz-save-state">
            {dirty ? q.unsaved : exists ? q.allSaved : q.notSavedYet}
          </p>
          {saveError !== undefined && <ErrorMessage error={saveError} testId="quiz-save-error" />}
          <button type="submit" className="button" disabled={pending} data-testid="quiz-save">
            {pending ? t.common.saving : q.save}
          </button>
        </div>
      </form>

      <GiftImport lessonId={lesson.id} onImported={imported} />
      <StatusMessage message={status} />
      <ConfirmDialog
        message={guard.pendingHref === null ? null : q.confirmLeave}
        confirmLabel={q.leave}
        onConfirm={guard.leave}
        onCancel={guard.stay}
      />
    </>
  );
}

/** The studio's editor of one quiz lesson: settings, questions of every kind with their keys, GIFT import. */
export function QuizEditorPage({ courseId, lessonId }: { courseId: number; lessonId: number }) {
  const t = useT();
  const { user } = useAuth();
  const course = useResource((signal) => getCourse(courseId, 'required', signal, true), [courseId]);
  const quiz = useResource((signal) => getAuthoredQuiz(lessonId, signal), [lessonId]);
  const lesson = course.data?.lessons.find((each) => each.id === lessonId);
  useDocumentTitle(
    lesson === undefined ? t.quizStudio.editorHeading : t.quizStudio.editorTitle(lesson.title),
  );
  const back = `/studio/courses/${courseId}`;

  if (course.data === undefined) {
    return <StudioCourseFallback error={course.error} onRetry={course.reload} />;
  }
  const backLink = (
    <p className="actions">
      <Link href={back} className="back-link" data-testid="quiz-back">
        <span aria-hidden="true">← </span>
        {course.data.title}
      </Link>
      {lesson?.kind === 'quiz' && (
        <>
          <Link
            href={`${back}/quizzes/${lessonId}/grading`}
            className="back-link push-end"
            data-testid="quiz-grading-link"
          >
            {t.quizStudio.gradingLink}
          </Link>
          <Link
            href={`${back}/quizzes/${lessonId}/stats`}
            className="back-link"
            data-testid="quiz-stats-link"
          >
            {t.analytics.quizStats}
          </Link>
        </>
      )}
    </p>
  );
  if (user !== null && user.role !== 'admin' && course.data.owner_id !== user.id) {
    return (
      <div className="alert alert-info" role="alert" data-testid="forbidden">
        <p>{t.studio.notOwner}</p>
        <Link href="/studio">{t.studio.backToStudio}</Link>
      </div>
    );
  }
  if (lesson === undefined || lesson.kind !== 'quiz') {
    return (
      <div className="stack-lg">
        {backLink}
        <p className="alert alert-info" role="alert" data-testid="not-a-quiz">
          {lesson === undefined ? t.quizStudio.lessonMissing : t.quizStudio.notAQuiz(lesson.title)}
        </p>
      </div>
    );
  }

  return (
    <div className="stack-lg quiz-editor-page">
      {backLink}
      <h1 data-testid="quiz-editor-heading">{t.quizStudio.editorTitle(lesson.title)}</h1>
      {quiz.error !== undefined && <ErrorMessage error={quiz.error} onRetry={quiz.reload} />}
      {quiz.data === undefined ? (
        quiz.loading && <Loading />
      ) : (
        <QuizEditor key={lessonId} lesson={lesson} stored={quiz.data} />
      )}
    </div>
  );
}
