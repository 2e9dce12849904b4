import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { isAbortError } from '../api/http';

export interface ResourceState<T> {
  /** The last loaded value; kept while reloading, cleared when the dependencies change. */
  data: T | undefined;
  error: unknown;
  loading: boolean;
}

export interface Resource<T> extends ResourceState<T> {
  reload: () => void;
  /**
   * Replaces the loaded value locally, for optimistic updates. A load already in flight started before this change
   * and would overwrite it with older data: it is dropped and started again.
   */
  setData: (update: (current: T | undefined) => T | undefined) => void;
}

interface Options {
  /** Keep showing the previous value while loading for new dependencies (e.g. the next page). */
  keepPrevious?: boolean;
}

/** Loads `load()` whenever `deps` change, aborting the previous load. */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
  options: Options = {},
): Resource<T> {
  const [state, setState] = useState<ResourceState<T>>({ data: undefined, error: undefined, loading: true });
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  const lastDeps = useRef<DependencyList | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  const keepPrevious = options.keepPrevious ?? false;

  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    const previous = lastDeps.current;
    const sameDeps =
      previous !== null &&
      previous.length === deps.length &&
      previous.every((dep, i) => Object.is(dep, deps[i]));
    lastDeps.current = deps;
    const controller = new AbortController();
    inFlight.current = controller;
    setState((current) => ({
      data: sameDeps || keepPrevious ? current.data : undefined,
      error: undefined,
      loading: true,
    }));
    const settled = (): void => {
      if (inFlight.current === controller) inFlight.current = null;
    };
    loadRef.current(controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return;
        settled();
        setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted || isAbortError(error)) return;
        settled();
        setState((current) => ({ data: current.data, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const setData = useCallback((update: (current: T | undefined) => T | undefined) => {
    const stale = inFlight.current;
    if (stale !== null) {
      stale.abort();
      inFlight.current = null;
      setVersion((v) => v + 1);
    }
    setState((current) => ({ ...current, data: update(current.data) }));
  }, []);

  return { ...state, reload, setData };
}
