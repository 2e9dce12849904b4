import type { ReactNode } from 'react';
import type { PaperQuestion } from '../../api/quiz-taking.api';
import { useT } from '../../i18n/i18n';
import { parseNumber, type Draft } from '../../lib/quiz-answers';
import { LessonBodyBoundary } from '../../markdown/lesson-body';
import { MarkdownView } from '../../markdown/markdown-view';

/** An author's markdown; a text that fails to render is shown as it is, and the rest of the quiz keeps working. */
export function QuizMarkdown({ source, id, className }: { source: string; id?: string; className: string }) {
  return (
    <LessonBodyBoundary
      key={source}
      fallback={
        <p id={id} className={className}>
          {source}
        </p>
      }
    >
      <MarkdownView id={id} source={source} className={className} />
    </LessonBodyBoundary>
  );
}

/** The server's true/false options are named in English; the reader sees them in their language. */
export function useOptionText(): (kind: PaperQuestion['kind'], text: string) => string {
  const t = useT();
  return (kind, text) => {
    if (kind !== 'true_false') return text;
    if (text === 'True') return t.quiz.trueLabel;
    if (text === 'False') return t.quiz.falseLabel;
    return text;
  };
}

interface QuestionFieldProps {
  question: PaperQuestion;
  number: number;
  total: number;
  draft: Draft;
  /** The attempt takes no more answers (submitted, or out of time). */
  disabled: boolean;
  onChange: (draft: Draft) => void;
}

/** One question as a fieldset: its legend and text name the group, every control has its own label. */
export function QuestionField({ question, number, total, draft, disabled, onChange }: QuestionFieldProps) {
  const t = useT();
  const optionText = useOptionText();
  const base = `question-${question.id}`;
  const legendId = `${base}-legend`;
  const textId = `${base}-text`;
  const hintId = `${base}-hint`;
  let control: ReactNode;
  let hint: string | undefined;

  switch (question.kind) {
    case 'single':
    case 'true_false':
    case 'multiple': {
      const multiple = question.kind === 'multiple';
      hint = multiple ? t.quiz.chooseMany : t.quiz.chooseOne;
      control = (
        <ul className="quiz-options" role="list">
          {(question.options ?? []).map((option) => {
            const checked = draft.optionIds.includes(option.id);
            return (
              <li key={option.id}>
                <label className="quiz-option" data-testid="quiz-option">
                  <input
                    type={multiple ? 'checkbox' : 'radio'}
                    name={base}
                    value={option.id}
                    checked={checked}
                    onChange={(event) => {
                      const ids = multiple
                        ? event.target.checked
                          ? [...draft.optionIds, option.id]
                          : draft.optionIds.filter((id) => id !== option.id)
                        : [option.id];
                      onChange({ ...draft, optionIds: ids });
                    }}
                  />
                  {question.kind === 'true_false' ? (
                    <span className="quiz-option-text">{optionText(question.kind, option.text)}</span>
                  ) : (
                    <QuizMarkdown source={option.text} className="quiz-option-text" />
                  )}
                </label>
              </li>
            );
          })}
        </ul>
      );
      break;
    }
    case 'short_text':
      control = (
        <div className="field">
          <label htmlFor={`${base}-answer`}>{t.quiz.answerLabel}</label>
          <input
            id={`${base}-answer`}
            className="input"
            type="text"
            autoComplete="off"
            spellCheck={false}
            maxLength={500}
            value={draft.text}
            onChange={(event) => onChange({ ...draft, text: event.target.value })}
            data-testid="quiz-text-answer"
          />
        </div>
      );
      break;
    case 'numeric': {
      const invalid = draft.text.trim() !== '' && parseNumber(draft.text) === null;
      hint = invalid ? t.quiz.notANumber : t.quiz.numberHint;
      control = (
        <div className="field">
          <label htmlFor={`${base}-answer`}>{t.quiz.answerLabel}</label>
          <input
            id={`${base}-answer`}
            className="input quiz-number"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={draft.text}
            aria-invalid={invalid}
            aria-describedby={hintId}
            onChange={(event) => onChange({ ...draft, text: event.target.value })}
            data-testid="quiz-number-answer"
          />
        </div>
      );
      break;
    }
    case 'essay':
      hint = t.quiz.essayHint;
      control = (
        <div className="field">
          <label htmlFor={`${base}-answer`}>{t.quiz.answerLabel}</label>
          <textarea
            id={`${base}-answer`}
            className="input quiz-essay"
            rows={6}
            maxLength={50_000}
            value={draft.text}
            aria-describedby={hintId}
            onChange={(event) => onChange({ ...draft, text: event.target.value })}
            data-testid="quiz-essay-answer"
          />
        </div>
      );
      break;
  }

  return (
    <fieldset
      className="panel quiz-question"
      aria-labelledby={`${legendId} ${textId}`}
      aria-describedby={hint === undefined ? undefined : hintId}
      disabled={disabled}
      data-testid="quiz-question"
      data-question-id={question.id}
      data-kind={question.kind}
    >
      <legend id={legendId} className="quiz-legend">
        {t.quiz.questionLegend(number, total)}
        <span className="quiz-points">{t.quiz.points(question.points)}</span>
      </legend>
      <QuizMarkdown id={textId} source={question.text} className="quiz-question-text" />
      {control}
      {hint !== undefined && (
        <p id={hintId} className={hint === t.quiz.notANumber ? 'field-error' : 'field-hint'}>
          {hint}
        </p>
      )}
    </fieldset>
  );
}
