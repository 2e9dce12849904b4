import type {
  Course,
  CourseDetail,
  CourseOutline,
  Invite,
  LessonKind,
  LessonSummary,
  OutlineLesson,
  ReadLesson,
  Section,
  SectionOutline,
} from './courses.repository.js';

/** The wire shapes: snake_case fields, ISO-8601 timestamps. Built once per cache fill or write. */
export interface CourseJson {
  id: number;
  title: string;
  description: string | null;
  owner_id: number;
  published: boolean;
  lessons_count: number;
  enrollment: Course['enrollment'];
  capacity: number | null;
  enroll_opens_at: string | null;
  enroll_closes_at: string | null;
  sequential: boolean;
  created_at: string;
  updated_at: string;
}

export interface CourseDetailJson extends CourseJson {
  lessons: LessonSummary[];
  sections: SectionOutline[];
}

export interface LessonJson {
  id: number;
  course_id: number;
  title: string;
  content: string;
  order: number;
  kind: LessonKind;
  section_id: number | null;
  /** Its section's release instant; until then learners get the title without the content. */
  available_from: string | null;
  created_at: string;
  updated_at: string;
}

export type SectionJson = SectionOutline & { course_id: number };

export interface InviteJson {
  code: string;
  max_uses: number | null;
  uses: number;
  expires_at: string | null;
  created_at: string;
}

export interface OutlineJson {
  course_id: number;
  owner_id: number;
  published: boolean;
  lesson_ids: number[];
  title: string;
  enrollment: Course['enrollment'];
  capacity: number | null;
  enroll_opens_at: string | null;
  enroll_closes_at: string | null;
  sequential: boolean;
  lessons: OutlineLesson[];
}

const isoOrNull = (date: Date | null) => date?.toISOString() ?? null;

export function courseJson(course: Course): CourseJson {
  return {
    id: course.id,
    title: course.title,
    description: course.description,
    owner_id: course.ownerId,
    published: course.published,
    lessons_count: course.lessonsCount,
    enrollment: course.enrollment,
    capacity: course.capacity,
    enroll_opens_at: isoOrNull(course.enrollOpensAt),
    enroll_closes_at: isoOrNull(course.enrollClosesAt),
    sequential: course.sequential,
    created_at: course.createdAt.toISOString(),
    updated_at: course.updatedAt.toISOString(),
  };
}

export function courseDetailJson(course: CourseDetail): CourseDetailJson {
  return { ...courseJson(course), lessons: course.lessons, sections: course.sections };
}

/** `withheld`: a learner's view of a lesson whose section has not opened yet: everything but the content. */
export function lessonJson(lesson: ReadLesson, withheld = false): LessonJson {
  return {
    id: lesson.id,
    course_id: lesson.courseId,
    title: lesson.title,
    content: withheld ? '' : lesson.content,
    order: lesson.order,
    kind: lesson.kind,
    section_id: lesson.sectionId,
    available_from: isoOrNull(lesson.availableFrom),
    created_at: lesson.createdAt.toISOString(),
    updated_at: lesson.updatedAt.toISOString(),
  };
}

export function sectionJson(section: Section, lessonIds: number[]): SectionJson {
  return {
    id: section.id,
    course_id: section.courseId,
    title: section.title,
    order: section.order,
    available_from: isoOrNull(section.availableFrom),
    lesson_ids: lessonIds,
  };
}

export function inviteJson(invite: Invite): InviteJson {
  return {
    code: invite.code,
    max_uses: invite.maxUses,
    uses: invite.uses,
    expires_at: isoOrNull(invite.expiresAt),
    created_at: invite.createdAt.toISOString(),
  };
}

export function outlineJson(outline: CourseOutline): OutlineJson {
  return {
    course_id: outline.id,
    owner_id: outline.ownerId,
    published: outline.published,
    lesson_ids: outline.lessons.map((lesson) => lesson.id),
    title: outline.title,
    enrollment: outline.enrollment,
    capacity: outline.capacity,
    enroll_opens_at: isoOrNull(outline.enrollOpensAt),
    enroll_closes_at: isoOrNull(outline.enrollClosesAt),
    sequential: outline.sequential,
    lessons: outline.lessons,
  };
}
