import type { InputHTMLAttributes, ReactNode, Ref } from 'react';

/** What a form control needs to be labelled and described: spread it onto the input or textarea. */
export interface FieldControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

interface FieldProps {
  id: string;
  label: string;
  /** A hint shown under the control and read with it. */
  hint?: string | undefined;
  /** The server's message about this field, shown and announced with the control. */
  error?: string | undefined;
  children: (control: FieldControlProps) => ReactNode;
}

/** A labelled form control with its hint and its error, wired for screen readers. */
export function Field({ id, label, hint, error, children }: FieldProps) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy =
    [hint === undefined ? undefined : hintId, error === undefined ? undefined : errorId]
      .filter(Boolean)
      .join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error !== undefined, 'aria-describedby': describedBy })}
      {hint !== undefined && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error !== undefined && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

interface InputFieldProps {
  id: string;
  label: string;
  hint?: string | undefined;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  testId: string;
}

/** What sets one kind of input apart (type, limits, autocomplete); the label, value and wiring are the field's. */
type InputAttributes = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange' | 'className' | 'aria-invalid' | 'aria-describedby'
>;

/** A labelled input: the body every field below shares. */
function InputField({
  input,
  inputRef,
  value,
  onChange,
  testId,
  ...field
}: InputFieldProps & { input: InputAttributes; inputRef?: Ref<HTMLInputElement> | undefined }) {
  return (
    <Field {...field}>
      {(control) => (
        <input
          {...input}
          {...control}
          ref={inputRef}
          className="input"
          value={value}
          onChange={(event) => onChange(event.target.value)}
          data-testid={testId}
        />
      )}
    </Field>
  );
}

interface TitleFieldProps extends InputFieldProps {
  inputRef?: Ref<HTMLInputElement>;
}

/** A required title of at most 200 characters, as the courses API takes for courses and lessons. */
export function TitleField(props: TitleFieldProps) {
  return <InputField {...props} input={{ required: true, maxLength: 200 }} />;
}

/** A local date and time (`datetime-local`), as the studio's release dates and windows take them. */
export function DateTimeField(props: InputFieldProps) {
  return <InputField {...props} input={{ type: 'datetime-local' }} />;
}

interface TextAreaFieldProps extends InputFieldProps {
  rows: number;
}

/** Free text over several lines (a course's description). */
export function TextAreaField({ id, label, hint, value, onChange, error, testId, rows }: TextAreaFieldProps) {
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      {(control) => (
        <textarea
          {...control}
          className="input"
          rows={rows}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          data-testid={testId}
        />
      )}
    </Field>
  );
}

interface CredentialFieldProps extends InputFieldProps {
  type: 'email' | 'password';
  /** e.g. `username`, `email`, `current-password`, `new-password`: how password managers fill it. */
  autoComplete: string;
}

/** A required e-mail address or password, as the sign-in and account pages take them. */
export function CredentialField({ type, autoComplete, ...field }: CredentialFieldProps) {
  return <InputField {...field} input={{ type, name: type, autoComplete, required: true }} />;
}

interface NumberFieldProps extends InputFieldProps {
  /** Absent: any value, negative ones included. */
  min?: number;
  max?: number;
  step?: number | 'any';
  required?: boolean;
}

/** A number; whole (`step` 1, the default) or with the step given (`any`: a decimal). */
export function NumberField({ min, max, step = 1, required, ...field }: NumberFieldProps) {
  const inputMode = step === 1 ? 'numeric' : 'decimal';
  return <InputField {...field} input={{ type: 'number', inputMode, min, max, step, required }} />;
}
