import type { CourseDetail, LessonSummary, Section } from '../api/api.types';

/** A run of lessons under one section, or under none (the course's unnamed first part). */
export interface OutlinePart {
  section: Section | null;
  lessons: LessonSummary[];
}

/** The course's sections in their order. */
export function sortedSections(course: Pick<CourseDetail, 'sections'>): Section[] {
  return [...course.sections].sort((a, b) => a.order - b.order || a.id - b.id);
}

/**
 * The course as a learner reads it: lessons outside any section first, then each section in its
 * order; inside a part, lessons keep the course's lesson order. Empty sections stay (the studio
 * shows them; a learner sees the title).
 */
export function courseOutline(course: Pick<CourseDetail, 'lessons' | 'sections'>): OutlinePart[] {
  const sectionOf = new Map<number, number>();
  for (const section of course.sections) {
    for (const lessonId of section.lesson_ids) sectionOf.set(lessonId, section.id);
  }
  const loose = course.lessons.filter((lesson) => !sectionOf.has(lesson.id));
  const parts: OutlinePart[] = loose.length > 0 ? [{ section: null, lessons: loose }] : [];
  for (const section of sortedSections(course)) {
    parts.push({
      section,
      lessons: course.lessons.filter((lesson) => sectionOf.get(lesson.id) === section.id),
    });
  }
  return parts;
}

/** Every lesson in reading order (the order of the outline). */
export function readingOrder(course: Pick<CourseDetail, 'lessons' | 'sections'>): LessonSummary[] {
  return courseOutline(course).flatMap((part) => part.lessons);
}

/** Whether learners can read the section's lessons at `now`. */
export function isReleased(section: Section | null, now: number = Date.now()): boolean {
  if (section?.available_from == null) return true;
  return Date.parse(section.available_from) <= now;
}

/** The section a lesson is in, if any. */
export function sectionOfLesson(course: Pick<CourseDetail, 'sections'>, lessonId: number): Section | null {
  return course.sections.find((section) => section.lesson_ids.includes(lessonId)) ?? null;
}
