import { computeEtag, type AuthUser, type Cache, type CacheEntry, type CacheLoadResult } from '@lectern/kit';
import { assertCanEdit, canView, type CourseAccess } from './course-access.js';
import { courseNotFound, cursorWithOffset, lessonNotFound, nothingToChange } from './courses.errors.js';
import type { CourseFilter, CoursesRepository } from './courses.repository.js';
import {
  courseDetailJson,
  courseJson,
  lessonJson,
  outlineJson,
  type CourseJson,
  type LessonJson,
  type OutlineJson,
} from './courses.views.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

/** Public list pages (published courses only). */
export const catalogNamespace = 'courses';
/** Progress caches the internal answers under this name; every course or lesson write bumps it. */
export const outlinesNamespace = 'course-outlines';
/** One owner's own list (`owner=me`), drafts included. */
export const ownerCatalogNamespace = (ownerId: number) => `courses:owner:${ownerId}`;
/** A course's detail, lesson list and lessons; also remembers that a course is not public. */
export const courseNamespace = (courseId: number) => `course:${courseId}`;

/**
 * Stored in a course's namespace for a course that does not exist or is a draft, so repeated reads of it
 * stay off the database. Never sent: a JSON body is never empty.
 */
const notPublic: CacheLoadResult = { body: '' };

/** Bytes to send: `personal` ones depend on who asks and must never be shared (Cache-Control: private). */
export interface Representation {
  entry: CacheEntry;
  personal: boolean;
}

export interface ListCoursesQuery {
  limit: number;
  offset: number;
  /** Search text; blank means none. */
  q?: string | undefined;
  cursor?: string | undefined;
  /** The caller's id for `owner=me`: their courses, drafts included. */
  ownerId?: number | undefined;
}

export interface CourseInput {
  title: string;
  description?: string | null | undefined;
  published?: boolean | undefined;
}

export interface LessonInput {
  title: string;
  content?: string | undefined;
  /** 1-based position; 0 or past the end appends. */
  order?: number | undefined;
}

export interface LessonChanges {
  title?: string | undefined;
  content?: string | undefined;
  /** Moves the lesson to this position (0 or past the end: last). */
  order?: number | undefined;
}

/** How one read of a course's content is found, checked and serialized. */
interface CourseRead<T> {
  /** The key in the course's namespace. */
  key: string;
  /** One query; null when the course does not exist. */
  find: () => Promise<T | null>;
  access: (found: T) => CourseAccess;
  render: (found: T) => CacheLoadResult;
}

export class CoursesService {
  constructor(
    private readonly repository: CoursesRepository,
    private readonly cache: Cache,
    private readonly listPath = '/api/courses',
  ) {}

  /** A list page by offset or keyset cursor, with X-Total-Count and a `Link: rel="next"` carrying a cursor. */
  async listCourses(query: ListCoursesQuery): Promise<Representation> {
    if (query.cursor !== undefined && query.offset > 0) throw cursorWithOffset();
    const afterId = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
    const search = query.q?.trim() ?? '';
    const { ownerId } = query;
    const namespace = ownerId === undefined ? catalogNamespace : ownerCatalogNamespace(ownerId);
    const key = `${query.limit}:${query.offset}:${afterId}:${search}`;

    const entry = await this.cache.get(namespace, key, async () => {
      const filter: CourseFilter = ownerId === undefined ? { publishedOnly: true } : { ownerId };
      if (search !== '') filter.search = search;
      const [total, courses] = await Promise.all([
        this.cachedTotal(namespace, search, filter),
        this.repository.listCourses(filter, { limit: query.limit + 1, offset: query.offset, afterId }),
      ]);
      const page = courses.slice(0, query.limit);
      const headers: Record<string, string> = { 'x-total-count': String(total) };
      const last = page.at(-1);
      if (courses.length > query.limit && last) {
        headers.link = `<${this.nextPageUrl(query, search, last.id)}>; rel="next"`;
      }
      return { body: JSON.stringify(page.map(courseJson)), headers };
    });
    return { entry, personal: ownerId !== undefined };
  }

  /** A filter's total, cached in the list's namespace (so the same writes invalidate it) apart from its pages. */
  private async cachedTotal(namespace: string, search: string, filter: CourseFilter): Promise<number> {
    const entry = await this.cache.get(namespace, `total:${search}`, async () => ({
      body: String(await this.repository.countCourses(filter)),
    }));
    return Number(entry.body);
  }

  async courseDetail(courseId: number, viewer: AuthUser | null): Promise<Representation> {
    return this.readCourse(courseId, viewer, {
      key: 'detail',
      find: () => this.repository.findCourseDetail(courseId),
      access: (course) => course,
      render: (course) => ({ body: JSON.stringify(courseDetailJson(course)) }),
    });
  }

  async courseLessons(courseId: number, viewer: AuthUser | null): Promise<Representation> {
    return this.readCourse(courseId, viewer, {
      key: 'lessons',
      find: () => this.repository.findLessons(courseId),
      access: (found) => found.course,
      render: ({ lessons }) => ({
        body: JSON.stringify(lessons.map(lessonJson)),
        headers: { 'x-total-count': String(lessons.length) },
      }),
    });
  }

  async lesson(courseId: number, lessonId: number, viewer: AuthUser | null): Promise<Representation> {
    return this.readCourse(courseId, viewer, {
      key: `lesson:${lessonId}`,
      find: () => this.repository.findLesson(courseId, lessonId),
      access: (found) => found.course,
      render: ({ lesson }) => {
        // Not remembered for a public course: a missing lesson is a 404 for everyone.
        if (!lesson) throw lessonNotFound();
        return { body: JSON.stringify(lessonJson(lesson)) };
      },
    });
  }

  async createCourse(viewer: AuthUser, input: CourseInput): Promise<CourseJson> {
    const course = await this.repository.createCourse({
      title: input.title,
      description: input.description ?? null,
      ownerId: viewer.id,
      published: input.published ?? true,
    });
    await this.invalidate(course, course);
    return courseJson(course);
  }

  async updateCourse(viewer: AuthUser, courseId: number, changes: Partial<CourseInput>): Promise<CourseJson> {
    const { title, description, published } = changes;
    if (title === undefined && description === undefined && published === undefined) {
      throw nothingToChange(['title', 'description', 'published']);
    }
    const { before, after } = await this.repository.transaction(async (tx) => {
      const current = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(current, viewer);
      const updated = await this.repository.updateCourse(courseId, { title, description, published }, tx);
      if (!updated) throw courseNotFound();
      return { before: current, after: updated };
    });
    await this.invalidate(before, after);
    return courseJson(after);
  }

  async deleteCourse(viewer: AuthUser, courseId: number): Promise<void> {
    const deleted = await this.repository.transaction(async (tx) => {
      const current = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(current, viewer);
      await this.repository.deleteCourse(courseId, tx);
      return current;
    });
    await this.invalidate(deleted, null);
  }

  async createLesson(viewer: AuthUser, courseId: number, input: LessonInput): Promise<LessonJson> {
    const { course, lesson } = await this.repository.transaction(async (tx) => {
      const locked = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(locked, viewer);
      const end = locked.lessonsCount + 1;
      const order = input.order !== undefined && input.order >= 1 ? Math.min(input.order, end) : end;
      if (order < end) await this.repository.shiftLessons(courseId, order, 1, tx);
      const created = await this.repository.insertLesson(
        { courseId, title: input.title, content: input.content ?? '', order },
        tx,
      );
      await this.repository.adjustLessonsCount(courseId, 1, tx);
      return { course: locked, lesson: created };
    });
    await this.invalidate(course, course);
    return lessonJson(lesson);
  }

  async updateLesson(
    viewer: AuthUser,
    courseId: number,
    lessonId: number,
    changes: LessonChanges,
  ): Promise<LessonJson> {
    if (changes.title === undefined && changes.content === undefined && changes.order === undefined) {
      throw nothingToChange(['title', 'content', 'order']);
    }
    const { course, lesson } = await this.repository.transaction(async (tx) => {
      const locked = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(locked, viewer);
      const current = await this.repository.findLessonForUpdate(courseId, lessonId, tx);
      if (!current) throw lessonNotFound();
      if (changes.order !== undefined) {
        const last = locked.lessonsCount;
        const order = changes.order >= 1 ? Math.min(changes.order, last) : last;
        await this.repository.moveLesson(courseId, lessonId, current.order, order, tx);
      }
      const updated = await this.repository.updateLesson(
        lessonId,
        { title: changes.title, content: changes.content },
        tx,
      );
      return { course: locked, lesson: updated };
    });
    await this.invalidate(course, course);
    return lessonJson(lesson);
  }

  async deleteLesson(viewer: AuthUser, courseId: number, lessonId: number): Promise<void> {
    const course = await this.repository.transaction(async (tx) => {
      const locked = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(locked, viewer);
      const deleted = await this.repository.deleteLesson(courseId, lessonId, tx);
      if (!deleted) throw lessonNotFound();
      await this.repository.shiftLessons(courseId, deleted.order + 1, -1, tx);
      await this.repository.adjustLessonsCount(courseId, -1, tx);
      return locked;
    });
    await this.invalidate(course, course);
  }

  /** For progress: which course a lesson belongs to, drafts included. */
  async lessonRef(lessonId: number): Promise<{ lesson_id: number; course_id: number }> {
    const ref = await this.repository.findLessonRef(lessonId);
    if (!ref) throw lessonNotFound();
    return { lesson_id: ref.lessonId, course_id: ref.courseId };
  }

  /** For progress: a course's owner, publish state and lesson ids in lesson order, drafts included. */
  async outline(courseId: number): Promise<OutlineJson> {
    const outline = await this.repository.findOutline(courseId);
    if (!outline) throw courseNotFound();
    return outlineJson(outline);
  }

  /**
   * A published course's bytes come from its namespace and are the same for everyone. Otherwise the namespace
   * remembers `notPublic`, and only a viewer allowed to see the draft gets a private answer, built per request.
   */
  private async readCourse<T>(
    courseId: number,
    viewer: AuthUser | null,
    read: CourseRead<T>,
  ): Promise<Representation> {
    const loaded: { found?: T | null } = {};
    const entry = await this.cache.get(courseNamespace(courseId), read.key, async () => {
      const found = await read.find();
      loaded.found = found;
      return found !== null && read.access(found).published ? read.render(found) : notPublic;
    });
    if (entry.body !== notPublic.body) return { entry, personal: false };

    if (!viewer) throw courseNotFound();
    // This request's own loader ran unless it joined another request's fill.
    const found = 'found' in loaded ? loaded.found : await read.find();
    if (found === undefined || found === null || !canView(read.access(found), viewer)) throw courseNotFound();
    const { body, headers = {} } = read.render(found);
    return { entry: { body, etag: computeEtag(body), headers }, personal: true };
  }

  private nextPageUrl(query: ListCoursesQuery, search: string, lastId: number): string {
    const params = new URLSearchParams({ limit: String(query.limit), cursor: encodeCursor(lastId) });
    if (search !== '') params.set('q', search);
    if (query.ownerId !== undefined) params.set('owner', 'me');
    return `${this.listPath}?${params.toString()}`;
  }

  /**
   * After a committed write: every namespace holding the course, so the next read on any replica is fresh.
   * The public lists change only when the course was or is published.
   */
  private async invalidate(before: CourseAccess, after: CourseAccess | null): Promise<void> {
    const namespaces = new Set([
      outlinesNamespace,
      courseNamespace(before.id),
      ownerCatalogNamespace(before.ownerId),
    ]);
    if (before.published || after?.published === true) namespaces.add(catalogNamespace);
    await Promise.all([...namespaces].map((namespace) => this.cache.invalidate(namespace)));
  }
}
