import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { ApiError } from '../../api/http';
import {
  getAttempt,
  getLearnerQuiz,
  saveAnswers,
  submitAttempt,
  type AttemptView,
  type LearnerQuiz,
} from '../../api/quiz-taking.api';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { useI18n, useT } from '../../i18n/i18n';
import { AnswerSaver, type SaverStatus } from '../../lib/answer-saver';
import { answerOf, draftsFromSaved, emptyDraft, isAnswered, type Draft } from '../../lib/quiz-answers';
import { betterEstimate, type ClockEstimate } from '../../lib/server-clock';
import { useResource } from '../../lib/use-resource';
import { Countdown } from './quiz-countdown';
import { QuestionField } from './quiz-question';
import { QuizResult } from './quiz-result';

type Phase = 'open' | 'confirming' | 'submitting' | 'expired';

interface AttemptFormProps {
  attempt: AttemptView;
  clock: ClockEstimate | null;
  /** The attempt is closed (submitted by the learner or the server): show what the server says now. */
  onClosed: () => void;
}

function SaveStatus({ status }: { status: SaverStatus }) {
  const { t, formatDateTime } = useI18n();
  const text = t.quiz.save[status.state];
  return (
    <p
      className={
        status.state === 'retrying' || status.state === 'failed' ? 'quiz-save is-error' : 'quiz-save'
      }
      role="status"
      data-testid="quiz-save-status"
      data-state={status.state}
      title={status.savedAt === null ? undefined : formatDateTime(status.savedAt)}
    >
      {text}
    </p>
  );
}

/** An attempt in progress: the questions, the countdown, answers saved as the learner goes, and submitting. */
function AttemptForm({ attempt, clock: initialClock, onClosed }: AttemptFormProps) {
  const t = useT();
  const [drafts, setDrafts] = useState(() => draftsFromSaved(attempt.questions, attempt.responses));
  const [status, setStatus] = useState<SaverStatus>({ state: 'idle', savedAt: null, error: undefined });
  const [phase, setPhase] = useState<Phase>('open');
  const [error, setError] = useState<unknown>(undefined);
  const [clock, setClock] = useState(initialClock);
  const closedRef = useRef(onClosed);
  const saver = useRef<AnswerSaver | null>(null);

  useEffect(() => {
    closedRef.current = onClosed;
  });

  if (saver.current === null) {
    saver.current = new AnswerSaver({
      save: async (answers) => {
        const saved = await saveAnswers(attempt.id, answers);
        setClock((current) => betterEstimate(current, saved.clock));
        return saved.data;
      },
      onStatus: setStatus,
      onClosed: () => closedRef.current(),
    });
  }

  useEffect(() => {
    const current = saver.current;
    const warn = (event: BeforeUnloadEvent): void => {
      if (current?.unsaved === true) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      // Leaving inside the app: what is pending is still written.
      current?.flush().catch(() => undefined);
    };
  }, []);

  const change = (questionId: number, draft: Draft): void => {
    const question = attempt.questions.find((each) => each.id === questionId);
    if (question === undefined || phase === 'expired' || phase === 'submitting') return;
    setDrafts((current) => new Map(current).set(questionId, draft));
    const typed = question.kind === 'short_text' || question.kind === 'numeric' || question.kind === 'essay';
    saver.current?.change(answerOf(question, draft), !typed);
  };

  const finish = useCallback(async (): Promise<void> => {
    try {
      await submitAttempt(attempt.id);
      saver.current?.stop();
      closedRef.current();
    } catch (reason) {
      setError(reason);
      setPhase((current) => (current === 'expired' ? current : 'open'));
    }
  }, [attempt.id]);

  const submit = async (): Promise<void> => {
    setPhase('submitting');
    setError(undefined);
    try {
      await saver.current?.flush();
    } catch {
      setError(new ApiError(0, { code: 'network_error', detail: t.quiz.unsavedSubmit }));
      setPhase('open');
      return;
    }
    await finish();
  };

  const expire = useCallback((): void => {
    // The server's time is up: take nothing more, write what is pending (the grace period is for this), submit.
    setPhase('expired');
    const pending = saver.current?.flush() ?? Promise.resolve();
    void pending.catch(() => undefined).then(finish);
  }, [finish]);

  const answered = attempt.questions.filter((question) =>
    isAnswered(question, drafts.get(question.id)),
  ).length;
  const total = attempt.questions.length;
  const locked = phase === 'expired' || phase === 'submitting' || saver.current.closed;

  return (
    <form
      className="stack-lg quiz-attempt"
      data-testid="quiz-attempt"
      data-attempt-id={attempt.id}
      noValidate
      onBlur={() => saver.current?.hurry()}
      onSubmit={(event) => {
        // Enter in an answer field must not hand the attempt in; only the button does, after confirming.
        event.preventDefault();
      }}
    >
      <div className="quiz-bar panel" data-testid="quiz-bar">
        <div className="quiz-bar-main">
          <h2 className="quiz-bar-title">{t.quiz.attemptHeading(attempt.number)}</h2>
          <p className="muted" data-testid="quiz-answered">
            {t.quiz.answered(answered, total)}
          </p>
        </div>
        {attempt.deadline !== null && (
          <Countdown deadline={attempt.deadline} offsetMs={clock?.offsetMs ?? 0} onExpired={expire} />
        )}
        <SaveStatus status={status} />
      </div>

      {phase === 'expired' && (
        <p className="alert alert-info" role="alert" data-testid="quiz-time-up">
          {t.quiz.timeUp}
        </p>
      )}

      <ol className="quiz-questions" role="list">
        {attempt.questions.map((question, index) => (
          <li key={question.id}>
            <QuestionField
              question={question}
              number={index + 1}
              total={total}
              draft={drafts.get(question.id) ?? emptyDraft}
              disabled={locked}
              onChange={(draft) => change(question.id, draft)}
            />
          </li>
        ))}
      </ol>

      {error !== undefined && <ErrorMessage error={error} testId="quiz-submit-error" />}

      <div className="actions">
        <button
          type="button"
          className="button button-large"
          aria-disabled={locked}
          onClick={() => {
            if (!locked) setPhase('confirming');
          }}
          data-testid="quiz-submit"
        >
          {phase === 'submitting' || phase === 'expired' ? t.quiz.submitting : t.quiz.submit}
        </button>
      </div>

      <ConfirmDialog
        message={phase === 'confirming' ? t.quiz.confirmSubmit(total - answered) : null}
        confirmLabel={t.quiz.confirmSubmitButton}
        onCancel={() => setPhase('open')}
        onConfirm={() => void submit()}
      />
    </form>
  );
}

interface QuizAttemptProps {
  courseId: number;
  lessonId: number;
  attemptId: number;
  /** The learner's grade passes the quiz: the lesson's completion is on its way to progress. */
  onPassed: () => void;
}

/** `/courses/:id/lessons/:lessonId/attempts/:attemptId`: the attempt while it is open, its result once closed. */
export function QuizAttempt({ courseId, lessonId, attemptId, onPassed }: QuizAttemptProps) {
  const t = useT();
  const attempt = useResource((signal) => getAttempt(attemptId, signal), [attemptId]);
  const quiz = useResource<LearnerQuiz>((signal) => getLearnerQuiz(lessonId, signal), [lessonId]);
  const quizHref = `/courses/${courseId}/lessons/${lessonId}`;
  const reload = useCallback(() => {
    attempt.reload();
    quiz.reload();
  }, [attempt, quiz]);

  if (attempt.data === undefined || quiz.data === undefined) {
    const failure = attempt.error ?? quiz.error;
    if (failure instanceof ApiError && failure.status === 404) {
      return (
        <div className="stack">
          <p className="alert alert-info" role="alert" data-testid="quiz-attempt-not-found">
            {t.quiz.attemptNotFound}
          </p>
          <p>
            <Link href={quizHref} className="button button-secondary">
              {t.quiz.backToQuiz}
            </Link>
          </p>
        </div>
      );
    }
    return failure !== undefined ? <ErrorMessage error={failure} onRetry={reload} /> : <Loading />;
  }

  const view = attempt.data.data;
  if (view.lesson_id !== lessonId) {
    return (
      <p className="alert alert-info" role="alert" data-testid="quiz-attempt-not-found">
        {t.quiz.attemptNotFound}
      </p>
    );
  }
  if (view.status === 'in_progress') {
    return <AttemptForm key={view.id} attempt={view} clock={attempt.data.clock} onClosed={reload} />;
  }
  return (
    <QuizResult
      attempt={view}
      quiz={quiz.data}
      quizHref={quizHref}
      attemptHref={(id) => `${quizHref}/attempts/${id}`}
      onPassed={onPassed}
    />
  );
}
