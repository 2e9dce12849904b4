import { useId, useState, type SubmitEvent } from 'react';
import { Link, useLocation, useSearchParams } from 'wouter';
import type { Course } from '../../api/api.types';
import { createCourse, listMyCourses } from '../../api/courses.api';
import { useDocumentTitle } from '../../components/document-title';
import { TextAreaField, TitleField } from '../../components/field';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { pageFromParam, Pagination } from '../../components/pagination';
import { useI18n, useT } from '../../i18n/i18n';
import { useResource } from '../../lib/use-resource';
import { useAction } from '../../lib/use-action';

const PAGE_SIZE = 20;

function NewCourseForm() {
  const t = useT();
  const id = useId();
  const [, navigate] = useLocation();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [published, setPublished] = useState(false);
  const { pending, error, run } = useAction();

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    run(async () => {
      const course = await createCourse({ title: title.trim(), description: description.trim(), published });
      navigate(`/studio/courses/${course.id}`);
    });
  };

  const titleError = fieldError(error, 'title');
  const descriptionError = fieldError(error, 'description');

  return (
    <section className="panel stack" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{t.studio.newCourse}</h2>
      <form className="stack" onSubmit={submit} data-testid="studio-new-course-form" aria-busy={pending}>
        <TitleField
          id={`${id}-title`}
          label={t.studio.courseTitle}
          value={title}
          onChange={setTitle}
          error={titleError}
          testId="studio-course-title"
        />
        <TextAreaField
          id={`${id}-description`}
          label={t.studio.courseDescription}
          value={description}
          onChange={setDescription}
          error={descriptionError}
          rows={3}
          testId="studio-course-description"
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={published}
            onChange={(event) => setPublished(event.target.checked)}
            data-testid="studio-course-published"
          />
          {t.studio.publishNow}
        </label>
        {error !== undefined && <ErrorMessage error={error} testId="form-error" />}
        <div>
          <button type="submit" className="button" data-testid="studio-create-course">
            {pending ? t.studio.creating : t.studio.create}
          </button>
        </div>
      </form>
    </section>
  );
}

function CourseRow({ course }: { course: Course }) {
  const { t, formatDate } = useI18n();
  return (
    <li className="row-item" data-testid="studio-course-row" data-course-id={course.id}>
      <div className="row-main">
        <Link href={`/studio/courses/${course.id}`} className="row-title" data-testid="studio-edit-link">
          {course.title}
        </Link>
        <span className="row-meta">
          <span
            className={course.published ? 'badge badge-success' : 'badge badge-warning'}
            data-testid="studio-course-status"
          >
            {course.published ? t.common.published : t.common.draft}
          </span>
          <span>{t.common.lessons(course.lessons_count)}</span>
          <span>{formatDate(course.updated_at)}</span>
        </span>
      </div>
      <div className="row-actions">
        <Link
          href={`/studio/courses/${course.id}`}
          className="button button-small"
          aria-label={t.studio.editCourse(course.title)}
        >
          {t.common.edit}
        </Link>
        <Link href={`/courses/${course.id}`} className="button button-secondary button-small">
          {t.studio.view}
          <span className="visually-hidden">: {course.title}</span>
        </Link>
      </div>
    </li>
  );
}

export function StudioPage() {
  const t = useT();
  const [params] = useSearchParams();
  const page = pageFromParam(params.get('page'));
  const courses = useResource(
    (signal) => listMyCourses({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, signal),
    [page],
    { keepPrevious: true },
  );
  useDocumentTitle(t.studio.title);
  const data = courses.data;
  const pages =
    data !== undefined && data.total !== null ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : page;

  return (
    <div className="stack-lg">
      <h1>{t.studio.title}</h1>
      <NewCourseForm />
      <section className="stack" aria-labelledby="my-courses-heading">
        <h2 id="my-courses-heading">{t.studio.myCourses}</h2>
        {courses.error !== undefined && <ErrorMessage error={courses.error} onRetry={courses.reload} />}
        {data === undefined ? (
          courses.loading && <Loading />
        ) : data.items.length === 0 ? (
          <p className="empty" data-testid="studio-empty">
            {t.studio.empty}
          </p>
        ) : (
          <ul className="row-list" data-testid="studio-course-list" aria-busy={courses.loading}>
            {data.items.map((course) => (
              <CourseRow key={course.id} course={course} />
            ))}
          </ul>
        )}
        <Pagination page={page} pages={pages} hrefFor={(n) => (n === 1 ? '/studio' : `/studio?page=${n}`)} />
      </section>
    </div>
  );
}
