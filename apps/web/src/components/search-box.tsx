import { useEffect, useId, useState } from 'react';
import { useSearchParams } from 'wouter';
import { withQuery } from '../api/http';

const SEARCH_DELAY_MS = 350;

/** The search term in the address (`?q=`), trimmed; '' when there is none. */
export function useSearchTerm(): string {
  const [params] = useSearchParams();
  return (params.get('q') ?? '').trim();
}

/** The address of a list page with its search term and page number, e.g. `/admin?q=ann&page=2`. */
export function listHref(path: string, q: string, page: number): string {
  return withQuery(path, { q, page: page > 1 ? page : undefined });
}

interface SearchBoxProps {
  label: string;
  placeholder: string;
  button: string;
  testId: string;
}

/**
 * A search form that keeps `?q=` in the address: applied as the user pauses typing or submits, and a new term
 * goes back to the first page. The address stays the source of truth, so back/forward and reloads keep it.
 */
export function SearchBox({ label, placeholder, button, testId }: SearchBoxProps) {
  const id = useId();
  const [, setParams] = useSearchParams();
  const q = useSearchTerm();
  const [draft, setDraft] = useState(q);

  useEffect(() => {
    setDraft(q);
  }, [q]);

  const apply = (value: string): void => {
    const next = value.trim();
    if (next === q) return;
    setParams(next === '' ? {} : { q: next }, { replace: true });
  };

  useEffect(() => {
    if (draft.trim() === q) return;
    const timer = setTimeout(() => apply(draft), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, q]);

  return (
    <form
      role="search"
      className="search"
      onSubmit={(event) => {
        event.preventDefault();
        apply(draft);
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input
        id={id}
        type="search"
        className="input search-input"
        placeholder={placeholder}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        data-testid={testId}
        autoComplete="off"
      />
      <button type="submit" className="button" data-testid={`${testId}-submit`}>
        {button}
      </button>
    </form>
  );
}
