import { useCallback, useEffect, useRef } from 'react';

export interface FocusAfterRender {
  /** Attach to a button under `key` so that it can receive focus later. */
  ref: (key: string) => (element: HTMLElement | null) => void;
  /** Focus the element registered under `key` once the next render has happened. */
  focusLater: (key: string) => void;
}

/**
 * Keeps keyboard focus on the control a user is working with when the list around it re-renders
 * (a row moved, an editor closed, a row deleted), as moving focus to <body> loses their place.
 */
export function useFocusAfterRender(): FocusAfterRender {
  const elements = useRef(new Map<string, HTMLElement>());
  const pending = useRef<string | null>(null);

  useEffect(() => {
    const key = pending.current;
    if (key === null) return;
    pending.current = null;
    elements.current.get(key)?.focus();
  });

  const ref = useCallback(
    (key: string) => (element: HTMLElement | null) => {
      if (element === null) elements.current.delete(key);
      else elements.current.set(key, element);
    },
    [],
  );
  const focusLater = useCallback((key: string) => {
    pending.current = key;
  }, []);
  return { ref, focusLater };
}
