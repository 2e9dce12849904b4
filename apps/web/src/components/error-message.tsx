import { useEffect, useState } from 'react';
import { ApiError } from '../api/http';
import { en, type Messages } from '../i18n/en.messages';
import { useT } from '../i18n/i18n';

/** Seconds left of a 429's `Retry-After`, counting down once a second. */
function useCountdown(seconds: number | null): number | null {
  const [left, setLeft] = useState(seconds);
  useEffect(() => {
    setLeft(seconds);
    if (seconds === null) return;
    const started = Date.now();
    const timer = setInterval(() => {
      const remaining = Math.max(0, seconds - Math.floor((Date.now() - started) / 1000));
      setLeft(remaining);
      if (remaining === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [seconds]);
  return left;
}

interface ErrorMessageProps {
  error: unknown;
  onRetry?: () => void;
  testId?: string;
}

/** Codes whose message the dictionaries carry (in the reader's language, unlike the server's `detail`). */
function isKnownProblem(code: string | undefined): code is keyof Messages['problems'] {
  return code !== undefined && Object.hasOwn(en.problems, code);
}

/** Shows a failed request: the server's `detail`, a retry countdown for 429, or a network hint. */
export function ErrorMessage({ error, onRetry, testId = 'error-message' }: ErrorMessageProps) {
  const t = useT();
  const rateLimited = error instanceof ApiError && error.status === 429;
  const left = useCountdown(rateLimited ? (error.retryAfter ?? 0) : null);

  let text: string;
  if (rateLimited) {
    text = left !== null && left > 0 ? t.errors.rateLimited(left) : t.errors.rateLimitedOver;
  } else if (error instanceof ApiError && error.status === 0) {
    text = t.errors.network;
  } else if (error instanceof ApiError && isKnownProblem(error.code)) {
    text = t.problems[error.code];
  } else if (error instanceof ApiError && error.detail) {
    text = error.detail;
  } else {
    text = t.errors.generic;
  }

  return (
    <div className="alert alert-error" role="alert" data-testid={testId}>
      <p>{text}</p>
      {onRetry && (
        <button
          type="button"
          className="button button-small"
          onClick={onRetry}
          disabled={rateLimited && left !== 0}
        >
          {t.common.retry}
        </button>
      )}
    </div>
  );
}

/** The message for one input from a 422's `errors`, if any. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.fieldErrors.find((item) => item.field === field || item.field.endsWith(`.${field}`))?.message;
}
