import { useEffect, useId, useRef } from 'react';
import { useT } from '../i18n/i18n';

interface ConfirmDialogProps {
  message: string | null;
  onConfirm: () => void;
  onCancel: () => void;
  /** The confirming button's label; "Delete" by default. */
  confirmLabel?: string;
}

/** A modal confirmation (native <dialog>: focus is trapped and Escape cancels). Open while `message` is set. */
export function ConfirmDialog({ message, onConfirm, onCancel, confirmLabel }: ConfirmDialogProps) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const messageId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (message !== null && !dialog.open) dialog.showModal();
    if (message === null && dialog.open) dialog.close();
  }, [message]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={messageId}
      data-testid="confirm-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <p id={messageId}>{message}</p>
      <div className="dialog-actions">
        <button
          type="button"
          className="button button-secondary"
          onClick={onCancel}
          data-testid="confirm-no"
          autoFocus
        >
          {t.dialog.cancel}
        </button>
        <button type="button" className="button button-danger" onClick={onConfirm} data-testid="confirm-yes">
          {confirmLabel ?? t.dialog.confirm}
        </button>
      </div>
    </dialog>
  );
}
