import { useEffect, useRef } from 'react';
import { useT } from '../i18n/i18n';

interface ConfirmDialogProps {
  message: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal confirmation (native <dialog>: focus is trapped and Escape cancels). Open while `message` is set. */
export function ConfirmDialog({ message, onConfirm, onCancel }: ConfirmDialogProps) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);

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
      aria-labelledby="confirm-dialog-message"
      data-testid="confirm-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <p id="confirm-dialog-message">{message}</p>
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
          {t.dialog.confirm}
        </button>
      </div>
    </dialog>
  );
}
