import { useLocation } from 'wouter';
import { ApiError } from '../../api/http';
import { startAttempt } from '../../api/quiz-taking.api';
import { ErrorMessage } from '../../components/error-message';
import { useT } from '../../i18n/i18n';
import { useAction } from '../../lib/use-action';

const BLOCKING_CODES = [
  'attempts_exhausted',
  'quiz_closed',
  'not_enrolled',
  'lesson_locked',
] as const satisfies readonly string[];
type BlockingCode = (typeof BLOCKING_CODES)[number];

function blockingCode(error: unknown): BlockingCode | null {
  if (!(error instanceof ApiError)) return null;
  return BLOCKING_CODES.find((code) => code === error.code) ?? null;
}

interface StartButtonProps {
  lessonId: number;
  label: string;
  attemptHref: (attemptId: number) => string;
  secondary?: boolean;
}

/**
 * Starts an attempt (or reopens the one in progress) and goes to it. A refusal is shown in the reader's words:
 * no attempts left, the quiz closed, not enrolled, earlier lessons first.
 */
export function StartButton({ lessonId, label, attemptHref, secondary = false }: StartButtonProps) {
  const t = useT();
  const [, navigate] = useLocation();
  const { pending, error, run } = useAction();
  const code = blockingCode(error);

  const start = (): void => {
    run(async () => {
      const attempt = await startAttempt(lessonId);
      navigate(attemptHref(attempt.id));
    });
  };

  return (
    <div className="stack-sm">
      <p>
        <button
          type="button"
          className={secondary ? 'button button-secondary button-large' : 'button button-large'}
          onClick={start}
          aria-disabled={pending}
          data-testid="quiz-start"
        >
          {pending ? t.quiz.starting : label}
        </button>
      </p>
      {code !== null ? (
        <p className="alert alert-info" role="alert" data-testid="quiz-blocked" data-code={code}>
          {t.quiz.blocked[code]}
        </p>
      ) : (
        error !== undefined && <ErrorMessage error={error} onRetry={start} />
      )}
    </div>
  );
}
