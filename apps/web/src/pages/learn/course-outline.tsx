import { Link } from 'wouter';
import type { CourseDetail } from '../../api/api.types';
import { LockIcon } from '../../components/lock-icon';
import { useI18n } from '../../i18n/i18n';
import { courseOutline, isReleased } from '../../lib/outline';

interface CourseOutlineProps {
  course: CourseDetail;
  completed: Set<number>;
  /** Owners and admins read unreleased sections too. */
  seesEverything: boolean;
}

/** The course's sections and lessons; a section not yet released shows its date and its lessons' titles only. */
export function CourseOutline({ course, completed, seesEverything }: CourseOutlineProps) {
  const { t, formatDateTime } = useI18n();
  const parts = courseOutline(course);
  const numbers = new Map(parts.flatMap((part) => part.lessons).map((lesson, i) => [lesson.id, i + 1]));

  return (
    <section aria-labelledby="lessons-heading" className="stack">
      <h2 id="lessons-heading">{t.course.lessonsHeading}</h2>
      {course.lessons.length === 0 && (
        <p className="empty" data-testid="course-no-lessons">
          {t.course.noLessons}
        </p>
      )}
      {parts.map(({ section, lessons }) => {
        const released = isReleased(section);
        const locked = !released && !seesEverything;
        const headingId = section === null ? undefined : `section-${section.id}-heading`;
        return (
          <div
            key={section?.id ?? 'loose'}
            className="stack-sm outline-part"
            data-testid="outline-section"
            data-section-id={section?.id}
            data-locked={locked}
          >
            {section !== null && (
              <div className="section-head">
                <h3 id={headingId} className="outline-title" data-testid="outline-section-title">
                  {section.title}
                </h3>
                {!released && section.available_from !== null && (
                  <span className="badge badge-warning" data-testid="outline-release">
                    <LockIcon />
                    {seesEverything
                      ? t.outline.learnersFrom(formatDateTime(section.available_from))
                      : t.outline.opensOn(formatDateTime(section.available_from))}
                  </span>
                )}
              </div>
            )}
            {lessons.length === 0 ? (
              <p className="muted">{t.outline.emptySection}</p>
            ) : (
              <ol className="lesson-list" aria-labelledby={headingId} data-testid="lesson-list">
                {lessons.map((lesson) => {
                  const number = numbers.get(lesson.id) ?? 0;
                  const done = completed.has(lesson.id);
                  const inner = (
                    <>
                      <span className="lesson-number" aria-hidden="true">
                        {locked ? <LockIcon /> : done ? '✓' : number}
                      </span>
                      <span className="visually-hidden">{t.course.lessonNumber(number)}: </span>
                      <span className="lesson-name">{lesson.title}</span>
                      {done && <span className="visually-hidden"> ({t.common.completed})</span>}
                      {locked && <span className="visually-hidden"> ({t.outline.notAvailableYet})</span>}
                    </>
                  );
                  return (
                    <li
                      key={lesson.id}
                      className={
                        done ? 'lesson-item is-done' : locked ? 'lesson-item is-locked' : 'lesson-item'
                      }
                      data-testid="lesson-item"
                      data-lesson-id={lesson.id}
                      data-completed={done}
                      data-locked={locked}
                    >
                      {locked ? (
                        <span className="lesson-link">{inner}</span>
                      ) : (
                        <Link href={`/courses/${course.id}/lessons/${lesson.id}`} className="lesson-link">
                          {inner}
                        </Link>
                      )}
                    </li>
                  );
                })}
              </ol>
            )}
          </div>
        );
      })}
    </section>
  );
}
