import { useId, useRef, useState, type SubmitEvent } from 'react';
import { importGift, type AuthoredQuiz } from '../../api/assessments.api';
import { ApiError } from '../../api/http';
import { ErrorMessage } from '../../components/error-message';
import { useT } from '../../i18n/i18n';

interface GiftImportProps {
  lessonId: number;
  /** The quiz as stored after the import (the new questions at its end). */
  onImported: (quiz: AuthoredQuiz) => void;
}

interface GiftProblem {
  line: number;
  column: number;
  message: string;
}

/** The line, column and reason of a `gift_invalid` 422 (`detail`: "GIFT line 5, column 3: …"). */
function giftProblem(error: unknown): GiftProblem | null {
  if (!(error instanceof ApiError) || error.code !== 'gift_invalid') return null;
  const match = /^GIFT line (\d+), column (\d+): ([\s\S]*)$/.exec(error.detail ?? '');
  if (match) return { line: Number(match[1]), column: Number(match[2]), message: match[3] ?? '' };
  const field = error.fieldErrors.find((item) => item.field.startsWith('body.line.'));
  if (field === undefined) return null;
  return { line: Number(field.field.slice('body.line.'.length)), column: 1, message: field.message };
}

/** Selects line `line` (1-based) of the textarea, so the author lands on what failed. */
function selectLine(textarea: HTMLTextAreaElement, line: number): void {
  const lines = textarea.value.split('\n');
  const start = lines.slice(0, Math.max(0, line - 1)).reduce((sum, each) => sum + each.length + 1, 0);
  const end = start + (lines[line - 1]?.length ?? 0);
  textarea.focus();
  textarea.setSelectionRange(start, end);
}

/** Pastes questions written in Moodle's GIFT format; they are appended to the stored quiz at once. */
export function GiftImport({ lessonId, onImported }: GiftImportProps) {
  const t = useT();
  const q = t.quizStudio;
  const id = useId();
  const [text, setText] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const problem = giftProblem(error);

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setError(undefined);
    importGift(lessonId, text)
      .then(
        (quiz) => {
          setText('');
          onImported(quiz);
        },
        (reason: unknown) => {
          setError(reason);
          const failed = giftProblem(reason);
          if (failed !== null && textarea.current !== null) selectLine(textarea.current, failed.line);
        },
      )
      .finally(() => setPending(false));
  };

  const describedBy = [`${id}-hint`, problem === null ? undefined : `${id}-error`].filter(Boolean).join(' ');

  return (
    <section className="panel stack" aria-labelledby={`${id}-heading`} data-testid="gift-import">
      <h2 id={`${id}-heading`}>{q.giftHeading}</h2>
      <form className="stack" onSubmit={submit} aria-busy={pending}>
        <div className="field">
          <label htmlFor={`${id}-text`}>{q.giftLabel}</label>
          <textarea
            ref={textarea}
            id={`${id}-text`}
            className="input mono"
            rows={8}
            required
            spellCheck={false}
            value={text}
            aria-invalid={problem !== null}
            aria-describedby={describedBy}
            onChange={(event) => setText(event.target.value)}
            data-testid="gift-text"
          />
          <p id={`${id}-hint`} className="field-hint">
            {q.giftHint}
          </p>
          {problem !== null && (
            <p id={`${id}-error`} className="field-error" role="alert" data-testid="gift-error">
              <strong>{q.giftLine(problem.line, problem.column)}</strong> {problem.message}
            </p>
          )}
        </div>
        {error !== undefined && problem === null && <ErrorMessage error={error} testId="gift-failed" />}
        <div>
          <button type="submit" className="button button-secondary" data-testid="gift-submit">
            {pending ? q.importing : q.importButton}
          </button>
        </div>
      </form>
    </section>
  );
}
