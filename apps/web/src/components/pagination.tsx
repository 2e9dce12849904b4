import { Link } from 'wouter';
import { useT } from '../i18n/i18n';

interface PaginationProps {
  page: number;
  pages: number;
  /** The URL of a page, so that pages are real links (bookmarkable, open in a new tab). */
  hrefFor: (page: number) => string;
}

export function Pagination({ page, pages, hrefFor }: PaginationProps) {
  const t = useT();
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label={t.pagination.label}>
      {page > 1 ? (
        <Link href={hrefFor(page - 1)} className="button button-secondary" data-testid="pagination-prev">
          <span aria-hidden="true">← </span>
          {t.pagination.previous}
        </Link>
      ) : (
        <span className="button button-secondary is-disabled" aria-disabled="true">
          <span aria-hidden="true">← </span>
          {t.pagination.previous}
        </span>
      )}
      <span className="pagination-status" data-testid="pagination-status">
        {t.pagination.status(page, pages)}
      </span>
      {page < pages ? (
        <Link href={hrefFor(page + 1)} className="button button-secondary" data-testid="pagination-next">
          {t.pagination.next}
          <span aria-hidden="true"> →</span>
        </Link>
      ) : (
        <span className="button button-secondary is-disabled" aria-disabled="true">
          {t.pagination.next}
          <span aria-hidden="true"> →</span>
        </span>
      )}
    </nav>
  );
}

/** The current page from `?page=`, at least 1. */
export function pageFromParam(value: string | null): number {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? page : 1;
}
