import { useEffect, useId, useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import type { Course } from '../api/api.types';
import { listCourses } from '../api/courses.api';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { Loading } from '../components/loading';
import { pageFromParam, Pagination } from '../components/pagination';
import { useT } from '../i18n/i18n';
import { useResource } from '../lib/use-resource';

const PAGE_SIZE = 12;
const SEARCH_DELAY_MS = 350;

function catalogHref(q: string, page: number): string {
  const params = new URLSearchParams();
  if (q !== '') params.set('q', q);
  if (page > 1) params.set('page', String(page));
  const search = params.toString();
  return search === '' ? '/' : `/?${search}`;
}

function CourseCard({ course }: { course: Course }) {
  const t = useT();
  return (
    <li className="card course-card" data-testid="course-card" data-course-id={course.id}>
      <h2 className="card-title">
        <Link href={`/courses/${course.id}`} className="card-link" data-testid="course-card-link">
          {course.title}
        </Link>
      </h2>
      {course.description !== '' && <p className="card-text">{course.description}</p>}
      <p className="card-meta">
        <span className="badge">{t.common.lessons(course.lessons_count)}</span>
      </p>
    </li>
  );
}

export function CatalogPage() {
  const t = useT();
  const searchId = useId();
  const [params, setParams] = useSearchParams();
  const q = (params.get('q') ?? '').trim();
  const page = pageFromParam(params.get('page'));
  const [draft, setDraft] = useState(q);
  useDocumentTitle(t.catalog.title);

  useEffect(() => {
    setDraft(q);
  }, [q]);

  const applySearch = (value: string): void => {
    const next = value.trim();
    if (next === q) return;
    setParams(next === '' ? {} : { q: next }, { replace: true });
  };

  useEffect(() => {
    if (draft.trim() === q) return;
    const timer = setTimeout(() => applySearch(draft), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, q]);

  const courses = useResource(
    (signal) =>
      listCourses({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, q: q === '' ? undefined : q }, signal),
    [q, page],
    { keepPrevious: true },
  );

  const data = courses.data;
  const pages =
    data === undefined
      ? page
      : data.total !== null
        ? Math.max(1, Math.ceil(data.total / PAGE_SIZE))
        : data.items.length === PAGE_SIZE
          ? page + 1
          : page;

  return (
    <div className="stack-lg">
      <div className="page-intro">
        <h1>{t.catalog.title}</h1>
        <p className="lead">{t.catalog.intro}</p>
      </div>

      <form
        role="search"
        className="search"
        onSubmit={(event) => {
          event.preventDefault();
          applySearch(draft);
        }}
      >
        <label htmlFor={searchId} className="visually-hidden">
          {t.catalog.searchLabel}
        </label>
        <input
          id={searchId}
          type="search"
          className="input search-input"
          placeholder={t.catalog.searchPlaceholder}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          data-testid="catalog-search"
          autoComplete="off"
        />
        <button type="submit" className="button" data-testid="catalog-search-submit">
          {t.catalog.searchButton}
        </button>
      </form>

      {courses.error !== undefined && <ErrorMessage error={courses.error} onRetry={courses.reload} />}

      {data === undefined ? (
        courses.loading && (
          <>
            <Loading testId="catalog-loading" />
            <ul className="card-grid" aria-hidden="true">
              {Array.from({ length: 6 }, (_, i) => (
                <li key={i} className="card skeleton" />
              ))}
            </ul>
          </>
        )
      ) : (
        <>
          <p
            className={data.items.length === 0 ? 'empty' : 'result-count'}
            role="status"
            data-testid={data.items.length === 0 ? 'catalog-empty' : 'catalog-count'}
          >
            {data.items.length === 0
              ? q === ''
                ? t.catalog.empty
                : t.catalog.noResults(q)
              : data.total !== null && t.catalog.resultCount(data.total)}
          </p>
          {data.items.length === 0 && q !== '' && (
            <p>
              <Link href="/" className="button button-secondary">
                {t.catalog.clearSearch}
              </Link>
            </p>
          )}
          {data.items.length > 0 && (
            <ul className={courses.loading ? 'card-grid is-stale' : 'card-grid'} aria-busy={courses.loading}>
              {data.items.map((course) => (
                <CourseCard key={course.id} course={course} />
              ))}
            </ul>
          )}
          <Pagination page={page} pages={pages} hrefFor={(n) => catalogHref(q, n)} />
        </>
      )}
    </div>
  );
}
