import type { Course, CourseDetail, CourseOutline, Lesson } from './courses.repository.js';

/** The wire shapes: snake_case fields, ISO-8601 timestamps. Built once per cache fill or write. */
export interface CourseJson {
  id: number;
  title: string;
  description: string | null;
  owner_id: number;
  published: boolean;
  lessons_count: number;
  created_at: string;
  updated_at: string;
}

export interface CourseDetailJson extends CourseJson {
  lessons: { id: number; title: string; order: number }[];
}

export interface LessonJson {
  id: number;
  course_id: number;
  title: string;
  content: string;
  order: number;
  created_at: string;
  updated_at: string;
}

export interface OutlineJson {
  course_id: number;
  owner_id: number;
  published: boolean;
  lesson_ids: number[];
}

export function courseJson(course: Course): CourseJson {
  return {
    id: course.id,
    title: course.title,
    description: course.description,
    owner_id: course.ownerId,
    published: course.published,
    lessons_count: course.lessonsCount,
    created_at: course.createdAt.toISOString(),
    updated_at: course.updatedAt.toISOString(),
  };
}

export function courseDetailJson(course: CourseDetail): CourseDetailJson {
  return {
    ...courseJson(course),
    lessons: course.lessons.map((lesson) => ({ id: lesson.id, title: lesson.title, order: lesson.order })),
  };
}

export function lessonJson(lesson: Lesson): LessonJson {
  return {
    id: lesson.id,
    course_id: lesson.courseId,
    title: lesson.title,
    content: lesson.content,
    order: lesson.order,
    created_at: lesson.createdAt.toISOString(),
    updated_at: lesson.updatedAt.toISOString(),
  };
}

export function outlineJson(outline: CourseOutline): OutlineJson {
  return {
    course_id: outline.id,
    owner_id: outline.ownerId,
    published: outline.published,
    lesson_ids: outline.lessonIds,
  };
}
