import { useCallback, useEffect, useRef, useState } from 'react';

const VISIBLE_MS = 5_000;

/** A message about the last action ("Saved."), cleared after a few seconds. */
export function useStatus(): [string | null, (message: string) => void] {
  const [message, setMessage] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const show = useCallback((next: string) => {
    clearTimeout(timer.current);
    setMessage(next);
    timer.current = setTimeout(() => setMessage(null), VISIBLE_MS);
  }, []);

  useEffect(() => () => clearTimeout(timer.current), []);
  return [message, show];
}

/** A polite live region shown as a toast. Always rendered, so that screen readers announce each change. */
export function StatusMessage({ message }: { message: string | null }) {
  return (
    <div className="toast-region" role="status" aria-atomic="true">
      {message !== null && (
        <p className="toast" data-testid="status-message">
          {message}
        </p>
      )}
    </div>
  );
}
