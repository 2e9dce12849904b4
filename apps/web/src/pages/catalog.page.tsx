import { Link, useSearchParams } from 'wouter';
import type { Course } from '../api/api.types';
import { listCourses } from '../api/courses.api';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { Loading } from '../components/loading';
import { pageFromParam, Pagination } from '../components/pagination';
import { listHref, SearchBox, useSearchTerm } from '../components/search-box';
import { useT } from '../i18n/i18n';
import { useResource } from '../lib/use-resource';

const PAGE_SIZE = 12;

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
  const [params] = useSearchParams();
  const q = useSearchTerm();
  const page = pageFromParam(params.get('page'));
  useDocumentTitle(t.catalog.title);

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

      <SearchBox
        label={t.catalog.searchLabel}
        placeholder={t.catalog.searchPlaceholder}
        button={t.catalog.searchButton}
        testId="catalog-search"
      />

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
          <Pagination page={page} pages={pages} hrefFor={(n) => listHref('/', q, n)} />
        </>
      )}
    </div>
  );
}
