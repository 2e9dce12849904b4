import { useId, type ReactNode } from 'react';
import { GRADING_METHODS, SHOW_ANSWERS } from '../../api/assessments.api';
import { DateTimeField, NumberField } from '../../components/field';
import { useT } from '../../i18n/i18n';
import type { SettingsDraft } from './quiz-draft';

interface QuizSettingsFieldsProps {
  settings: SettingsDraft;
  onChange: (settings: SettingsDraft) => void;
  /** The server's messages by setting name (`time_limit_seconds`, `closes_at`…). */
  errors: Record<string, string>;
}

function Radios<T extends string>({
  legend,
  name,
  values,
  value,
  labels,
  onChange,
  testId,
}: {
  legend: ReactNode;
  name: string;
  values: readonly T[];
  value: T;
  labels: Record<T, string>;
  onChange: (value: T) => void;
  testId: string;
}) {
  return (
    <fieldset className="fieldset">
      <legend>{legend}</legend>
      {values.map((each) => (
        <label key={each} className="checkbox">
          <input
            type="radio"
            name={name}
            value={each}
            checked={value === each}
            onChange={() => onChange(each)}
            data-testid={`${testId}-${each}`}
          />
          {labels[each]}
        </label>
      ))}
    </fieldset>
  );
}

/** The quiz's settings (DESIGN §12): time, attempts, passing, grading, shuffling, the draw, answers and the window. */
export function QuizSettingsFields({ settings, onChange, errors }: QuizSettingsFieldsProps) {
  const t = useT();
  const q = t.quizStudio;
  const id = useId();
  const set =
    <K extends keyof SettingsDraft>(key: K) =>
    (value: SettingsDraft[K]) =>
      onChange({ ...settings, [key]: value });
  const timeLimitError = errors.time_limit_seconds;

  return (
    <div className="quiz-settings" data-testid="quiz-settings">
      <div className="form-grid">
        <NumberField
          id={`${id}-time`}
          label={q.timeLimit}
          hint={q.timeLimitHint}
          error={timeLimitError}
          value={settings.timeLimitMinutes}
          onChange={set('timeLimitMinutes')}
          min={1 / 60}
          max={7 * 24 * 60}
          step="any"
          testId="quiz-time-limit"
        />
        <NumberField
          id={`${id}-attempts`}
          label={q.maxAttempts}
          hint={q.maxAttemptsHint}
          error={errors.max_attempts}
          value={settings.maxAttempts}
          onChange={set('maxAttempts')}
          min={1}
          max={1000}
          testId="quiz-max-attempts"
        />
        <NumberField
          id={`${id}-pass`}
          label={q.passPercent}
          error={errors.pass_percent}
          value={settings.passPercent}
          onChange={set('passPercent')}
          min={0}
          max={100}
          required
          testId="quiz-pass-percent"
        />
        <NumberField
          id={`${id}-draw`}
          label={q.draw}
          hint={q.drawHint}
          error={errors.draw}
          value={settings.draw}
          onChange={set('draw')}
          min={1}
          max={1000}
          testId="quiz-draw"
        />
      </div>
      <div className="form-grid">
        <Radios
          legend={q.grading}
          name={`${id}-grading`}
          values={GRADING_METHODS}
          value={settings.grading}
          labels={q.gradingMethods}
          onChange={set('grading')}
          testId="quiz-grading"
        />
        <Radios
          legend={q.showAnswers}
          name={`${id}-show`}
          values={SHOW_ANSWERS}
          value={settings.showAnswers}
          labels={q.showAnswersPolicies}
          onChange={set('showAnswers')}
          testId="quiz-show-answers"
        />
      </div>
      <fieldset className="fieldset">
        <legend>{q.shuffling}</legend>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={settings.shuffleQuestions}
            onChange={(event) => set('shuffleQuestions')(event.target.checked)}
            data-testid="quiz-shuffle-questions"
          />
          {q.shuffleQuestions}
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={settings.shuffleOptions}
            onChange={(event) => set('shuffleOptions')(event.target.checked)}
            data-testid="quiz-shuffle-options"
          />
          {q.shuffleOptions}
        </label>
      </fieldset>
      <div className="form-grid">
        <DateTimeField
          id={`${id}-opens`}
          label={q.opensAt}
          hint={q.windowHint}
          value={settings.opensAt}
          onChange={set('opensAt')}
          error={errors.opens_at}
          testId="quiz-opens-at"
        />
        <DateTimeField
          id={`${id}-closes`}
          label={q.closesAt}
          hint={q.windowHint}
          value={settings.closesAt}
          onChange={set('closesAt')}
          error={errors.closes_at}
          testId="quiz-closes-at"
        />
        <NumberField
          id={`${id}-grace`}
          label={q.grace}
          hint={q.graceHint}
          error={errors.grace_seconds}
          value={settings.graceSeconds}
          onChange={set('graceSeconds')}
          min={0}
          max={3600}
          required
          testId="quiz-grace"
        />
      </div>
    </div>
  );
}
