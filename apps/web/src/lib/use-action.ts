import { useState } from 'react';

export interface Action {
  /** A request is running; `run` ignores calls until it ends. */
  pending: boolean;
  /** Why the last request failed; cleared when the next one starts. */
  error: unknown;
  /** Runs `request` unless one is running, then `settled` (e.g. a reload) whether it succeeded or not. */
  run: (request: () => Promise<unknown>, settled?: () => void) => void;
}

/** One request at a time from a form, a button or a list: its pending state and its error. */
export function useAction(): Action {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = (request: () => Promise<unknown>, settled?: () => void): void => {
    if (pending) return;
    setPending(true);
    setError(undefined);
    request()
      .catch((reason: unknown) => setError(reason))
      .finally(() => {
        setPending(false);
        settled?.();
      });
  };
  return { pending, error, run };
}
