import { useDeferredValue, useId } from 'react';
import { QUESTION_KINDS, type QuestionKind } from '../../api/assessments.api';
import { Field, NumberField } from '../../components/field';
import { useT } from '../../i18n/i18n';
import { MarkdownView } from '../../markdown/markdown-view';
import { hasOptions, newKey, withKind, type OptionDraft, type QuestionDraft } from './quiz-draft';

interface QuizQuestionFormProps {
  question: QuestionDraft;
  /** 0-based position in the quiz. */
  index: number;
  count: number;
  /** The server's messages about this question, by path ('' for the question as a whole). */
  errors: Record<string, string> | undefined;
  onChange: (question: QuestionDraft) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
  /** Registers the move and remove buttons so focus can follow the question when the list changes. */
  buttonRef: (name: 'up' | 'down' | 'text') => (element: HTMLElement | null) => void;
}

/** One question of the quiz editor: kind, Markdown text with a preview, points and its key. */
export function QuizQuestionForm({
  question,
  index,
  count,
  errors = {},
  onChange,
  onMove,
  onRemove,
  buttonRef,
}: QuizQuestionFormProps) {
  const t = useT();
  const q = t.quizStudio;
  const id = useId();
  const number = index + 1;
  const previewText = useDeferredValue(question.text);
  const previewOptions = useDeferredValue(question.options);
  const update = (changes: Partial<QuestionDraft>): void => onChange({ ...question, ...changes });
  const setOption = (position: number, changes: Partial<OptionDraft>): void =>
    update({
      options: question.options.map((option, i) => {
        if (i === position) return { ...option, ...changes };
        // One correct option: choosing another clears the rest.
        if (changes.correct === true && question.kind !== 'multiple') return { ...option, correct: false };
        return option;
      }),
    });
  const optionsError =
    errors.options ??
    Object.entries(errors).find(([path]) => /^options\.\d+\.(?:id|correct)$/.test(path))?.[1];

  return (
    <article className="question-form stack" aria-labelledby={`${id}-heading`} data-testid="quiz-question">
      <div className="question-head">
        <h3 id={`${id}-heading`} className="question-title">
          {q.questionHeading(number, q.questionKinds[question.kind])}
        </h3>
        <div className="row-actions">
          <button
            ref={buttonRef('up')}
            type="button"
            className="button button-secondary button-small button-icon"
            disabled={index === 0}
            aria-label={q.moveQuestionUp(number)}
            title={q.moveQuestionUp(number)}
            onClick={() => onMove(-1)}
            data-testid="question-move-up"
          >
            <span aria-hidden="true">↑</span>
          </button>
          <button
            ref={buttonRef('down')}
            type="button"
            className="button button-secondary button-small button-icon"
            disabled={index === count - 1}
            aria-label={q.moveQuestionDown(number)}
            title={q.moveQuestionDown(number)}
            onClick={() => onMove(1)}
            data-testid="question-move-down"
          >
            <span aria-hidden="true">↓</span>
          </button>
          <button
            type="button"
            className="button button-danger-outline button-small"
            aria-label={q.removeQuestion(number)}
            onClick={onRemove}
            data-testid="question-remove"
          >
            {t.common.delete}
          </button>
        </div>
      </div>
      {errors[''] !== undefined && (
        <p className="field-error" data-testid="question-error">
          {errors['']}
        </p>
      )}
      <div className="form-grid">
        <Field id={`${id}-kind`} label={q.kind}>
          {(control) => (
            <select
              {...control}
              className="input"
              value={question.kind}
              onChange={(event) =>
                onChange(
                  withKind(question, event.target.value as QuestionKind, {
                    true: q.trueLabel,
                    false: q.falseLabel,
                  }),
                )
              }
              data-testid="question-kind"
            >
              {QUESTION_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {q.questionKinds[kind]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <NumberField
          id={`${id}-points`}
          label={q.points}
          error={errors.points}
          min={0}
          max={1000}
          step="any"
          required
          value={question.points}
          onChange={(points) => update({ points })}
          testId="question-points"
        />
      </div>
      <div className="editor-grid">
        <Field id={`${id}-text`} label={q.questionText} hint={t.studio.markdownHelp} error={errors.text}>
          {(control) => (
            <textarea
              {...control}
              ref={buttonRef('text')}
              className="input mono"
              rows={4}
              required
              value={question.text}
              onChange={(event) => update({ text: event.target.value })}
              data-testid="question-text"
            />
          )}
        </Field>
        <section className="field" aria-labelledby={`${id}-preview-heading`}>
          <h4 id={`${id}-preview-heading`} className="label">
            {t.studio.preview}
          </h4>
          <div className="preview preview-compact" data-testid="question-preview">
            {previewText.trim() === '' ? (
              <p className="muted">{t.studio.previewEmpty}</p>
            ) : (
              <MarkdownView source={previewText} />
            )}
            {hasOptions(question.kind) && previewOptions.some((option) => option.text.trim() !== '') && (
              <ul className="preview-options">
                {previewOptions.map((option) => (
                  <li key={option.key}>
                    <MarkdownView source={option.text} />
                  </li>
                ))}
              </ul>
            )}
          </div>
        </section>
      </div>

      {hasOptions(question.kind) && (
        <fieldset
          className="fieldset option-list"
          aria-describedby={optionsError === undefined ? undefined : `${id}-options-error`}
          data-testid="question-options"
        >
          <legend>{question.kind === 'true_false' ? q.trueFalseLegend : q.options}</legend>
          <p className="field-hint">
            {question.kind === 'multiple' ? q.optionsHintMultiple : q.optionsHintOne}
          </p>
          {question.options.map((option, position) => (
            <div key={option.key} className="option-row" data-testid="question-option">
              <label className="checkbox option-correct">
                <input
                  type={question.kind === 'multiple' ? 'checkbox' : 'radio'}
                  name={`${id}-correct`}
                  checked={option.correct}
                  onChange={(event) => setOption(position, { correct: event.target.checked })}
                  data-testid="option-correct"
                />
                <span className="visually-hidden">{q.correctOption(position + 1)}</span>
                <span aria-hidden="true">{q.correct}</span>
              </label>
              <div className="option-text">
                <label htmlFor={`${id}-option-${option.key}`} className="visually-hidden">
                  {q.optionText(position + 1)}
                </label>
                <input
                  id={`${id}-option-${option.key}`}
                  className="input"
                  required
                  maxLength={5000}
                  placeholder={q.optionText(position + 1)}
                  value={option.text}
                  aria-invalid={errors[`options.${position}.text`] !== undefined}
                  aria-describedby={
                    errors[`options.${position}.text`] === undefined
                      ? undefined
                      : `${id}-option-${option.key}-error`
                  }
                  onChange={(event) => setOption(position, { text: event.target.value })}
                  data-testid="option-text"
                />
                {errors[`options.${position}.text`] !== undefined && (
                  <p id={`${id}-option-${option.key}-error`} className="field-error">
                    {errors[`options.${position}.text`]}
                  </p>
                )}
              </div>
              {question.kind !== 'true_false' && (
                <button
                  type="button"
                  className="button button-secondary button-small"
                  aria-label={q.removeOption(position + 1)}
                  onClick={() => update({ options: question.options.filter((_, i) => i !== position) })}
                  data-testid="option-remove"
                >
                  <span aria-hidden="true">✕</span>
                </button>
              )}
            </div>
          ))}
          {optionsError !== undefined && (
            <p id={`${id}-options-error`} className="field-error" data-testid="options-error">
              {optionsError}
            </p>
          )}
          {question.kind !== 'true_false' && (
            <div>
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() =>
                  update({ options: [...question.options, { key: newKey(), text: '', correct: false }] })
                }
                data-testid="option-add"
              >
                {q.addOption}
              </button>
            </div>
          )}
        </fieldset>
      )}

      {question.kind === 'short_text' && (
        <Field
          id={`${id}-answers`}
          label={q.acceptedAnswers}
          hint={q.acceptedAnswersHint}
          error={errors.answers}
        >
          {(control) => (
            <textarea
              {...control}
              className="input"
              rows={3}
              value={question.answers}
              onChange={(event) => update({ answers: event.target.value })}
              data-testid="question-answers"
            />
          )}
        </Field>
      )}

      {question.kind === 'numeric' && (
        <div className="form-grid">
          <NumberField
            id={`${id}-number`}
            label={q.numberValue}
            error={errors.number}
            step="any"
            required
            value={question.number}
            onChange={(number) => update({ number })}
            testId="question-number"
          />
          <NumberField
            id={`${id}-tolerance`}
            label={q.tolerance}
            hint={q.toleranceHint}
            error={errors.tolerance}
            min={0}
            step="any"
            value={question.tolerance}
            onChange={(tolerance) => update({ tolerance })}
            testId="question-tolerance"
          />
        </div>
      )}

      {question.kind === 'essay' && <p className="field-hint">{q.essayHint}</p>}
    </article>
  );
}
