import { useId, useState, type SubmitEvent } from 'react';
import { ENROLLMENT_POLICIES, type CourseDetail, type EnrollmentPolicy } from '../../api/api.types';
import { updateCourse } from '../../api/courses.api';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { DateTimeField, NumberField } from '../../components/field';
import { useT } from '../../i18n/i18n';
import { useAction } from '../../lib/use-action';
import { fromDateTimeInput, toDateTimeInput } from '../../lib/datetime-input';

interface EnrollmentSettingsFormProps {
  course: CourseDetail;
  onSaved: (message: string) => void;
}

/** Who may enrol (policy), how many (capacity), when (window), and whether lessons go in order. */
export function EnrollmentSettingsForm({ course, onSaved }: EnrollmentSettingsFormProps) {
  const t = useT();
  const id = useId();
  const [policy, setPolicy] = useState<EnrollmentPolicy>(course.enrollment);
  const [capacity, setCapacity] = useState(course.capacity === null ? '' : String(course.capacity));
  const [opensAt, setOpensAt] = useState(toDateTimeInput(course.enroll_opens_at));
  const [closesAt, setClosesAt] = useState(toDateTimeInput(course.enroll_closes_at));
  const [sequential, setSequential] = useState(course.sequential);
  const { pending, error, run } = useAction();

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    run(async () => {
      await updateCourse(course.id, {
        enrollment: policy,
        capacity: capacity.trim() === '' ? null : Number(capacity),
        enroll_opens_at: fromDateTimeInput(opensAt),
        enroll_closes_at: fromDateTimeInput(closesAt),
        sequential,
      });
      onSaved(t.settings.saved);
    });
  };

  return (
    <section className="panel stack" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{t.settings.heading}</h2>
      <form className="stack" onSubmit={submit} aria-busy={pending} data-testid="enrollment-settings">
        <fieldset className="fieldset">
          <legend>{t.settings.policy}</legend>
          {ENROLLMENT_POLICIES.map((value) => (
            <label key={value} className="checkbox">
              <input
                type="radio"
                name={`${id}-policy`}
                value={value}
                checked={policy === value}
                onChange={() => setPolicy(value)}
                data-testid={`enrollment-policy-${value}`}
              />
              {t.settings.policies[value]}
            </label>
          ))}
        </fieldset>
        <div className="form-grid">
          <NumberField
            id={`${id}-capacity`}
            min={1}
            label={t.settings.capacity}
            hint={t.settings.capacityHint}
            value={capacity}
            onChange={setCapacity}
            error={fieldError(error, 'capacity')}
            testId="enrollment-capacity"
          />
          <DateTimeField
            id={`${id}-opens`}
            label={t.settings.opensAt}
            hint={t.settings.windowHint}
            value={opensAt}
            onChange={setOpensAt}
            error={fieldError(error, 'enroll_opens_at')}
            testId="enrollment-opens-at"
          />
          <DateTimeField
            id={`${id}-closes`}
            label={t.settings.closesAt}
            hint={t.settings.windowHint}
            value={closesAt}
            onChange={setClosesAt}
            error={fieldError(error, 'enroll_closes_at')}
            testId="enrollment-closes-at"
          />
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={sequential}
            onChange={(event) => setSequential(event.target.checked)}
            data-testid="enrollment-sequential"
          />
          {t.settings.sequential}
        </label>
        {error !== undefined && <ErrorMessage error={error} testId="settings-error" />}
        <div>
          <button type="submit" className="button" data-testid="enrollment-save">
            {pending ? t.common.saving : t.settings.save}
          </button>
        </div>
      </form>
    </section>
  );
}
