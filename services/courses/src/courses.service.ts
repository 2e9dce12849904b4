import { randomBytes } from 'node:crypto';
import {
  createCacheEntry,
  type AuthUser,
  type Cache,
  type CacheEntry,
  type CacheLoadResult,
} from '@lectern/kit';
import { assertCanEdit, canView, type CourseAccess } from './course-access.js';
import {
  courseNotFound,
  cursorWithOffset,
  enrollmentWindowReversed,
  invalidInvite,
  inviteNotFound,
  lessonNotFound,
  notAvailableYet,
  nothingToChange,
  sectionNotFound,
  sectionOfAnotherCourse,
} from './courses.errors.js';
import type {
  CourseFilter,
  CourseSettings,
  CoursesRepository,
  Executor,
  LessonKind,
  ReleaseSchedule,
} from './courses.repository.js';
import { nextRelease, releasePhase } from './release-schedule.js';
import {
  courseDetailJson,
  courseJson,
  inviteJson,
  lessonJson,
  outlineJson,
  sectionJson,
  type CourseJson,
  type InviteJson,
  type LessonJson,
  type OutlineJson,
  type SectionJson,
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
  /** Epoch ms when these bytes stop being right for learners (a section opens); shared caches must not outlive it. */
  validUntil?: number | undefined;
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
  enrollment?: CourseSettings['enrollment'] | undefined;
  capacity?: number | null | undefined;
  enroll_opens_at?: string | null | undefined;
  enroll_closes_at?: string | null | undefined;
  sequential?: boolean | undefined;
}

export interface LessonInput {
  title: string;
  content?: string | undefined;
  /** 1-based position; 0 or past the end appends. */
  order?: number | undefined;
  kind?: LessonKind | undefined;
  section_id?: number | null | undefined;
}

export interface LessonChanges {
  title?: string | undefined;
  content?: string | undefined;
  /** Moves the lesson to this position (0 or past the end: last). */
  order?: number | undefined;
  kind?: LessonKind | undefined;
  /** Moves the lesson into this section; null: out of any section. */
  section_id?: number | null | undefined;
}

export interface SectionInput {
  title: string;
  /** 1-based position; 0 or past the end appends. */
  order?: number | undefined;
  available_from?: string | null | undefined;
}

export type SectionChanges = Partial<SectionInput>;

export interface InviteInput {
  max_uses?: number | null | undefined;
  expires_at?: string | null | undefined;
}

const courseFields = [
  'title',
  'description',
  'published',
  'enrollment',
  'capacity',
  'enroll_opens_at',
  'enroll_closes_at',
  'sequential',
] as const;

const toDate = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : new Date(value);

/** The course columns an input sets, checked: the enrolment window must not close before it opens. */
function courseValues(input: Partial<CourseInput>, current?: CourseSettings) {
  const values = {
    title: input.title,
    description: input.description,
    published: input.published,
    enrollment: input.enrollment,
    capacity: input.capacity,
    enrollOpensAt: toDate(input.enroll_opens_at),
    enrollClosesAt: toDate(input.enroll_closes_at),
    sequential: input.sequential,
  };
  const opens = values.enrollOpensAt === undefined ? current?.enrollOpensAt : values.enrollOpensAt;
  const closes = values.enrollClosesAt === undefined ? current?.enrollClosesAt : values.enrollClosesAt;
  if (opens && closes && closes <= opens) throw enrollmentWindowReversed();
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
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

/** Owners and admins see unreleased content. */
function isPrivileged(course: CourseAccess, viewer: AuthUser | null): boolean {
  return viewer !== null && (viewer.role === 'admin' || viewer.id === course.ownerId);
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

  /**
   * The lessons with their content, except for learners the content of sections not open yet. The shared bytes
   * are keyed by the release phase (how many release instants have passed), so a release needs no invalidation:
   * the first read after the instant, on any replica, asks for the next phase's key.
   */
  async courseLessons(courseId: number, viewer: AuthUser | null): Promise<Representation> {
    const schedule = await this.releaseSchedule(courseId);
    const now = Date.now();
    const { phase, releasedUntil } = releasePhase(schedule, now);
    const seesAll = schedule !== null && isPrivileged(schedule.course, viewer);
    const visibleUntil = seesAll ? Infinity : releasedUntil;
    const read: CourseRead<Awaited<ReturnType<CoursesRepository['findLessons']>> & object> = {
      key: `lessons:${phase}`,
      find: async () => this.repository.findLessons(courseId),
      access: (found) => found.course,
      render: ({ lessons }) => ({
        body: JSON.stringify(
          lessons.map((lesson) =>
            lessonJson(
              lesson,
              lesson.availableFrom !== null && lesson.availableFrom.getTime() > visibleUntil,
            ),
          ),
        ),
        headers: { 'x-total-count': String(lessons.length) },
      }),
    };
    if (seesAll && nextRelease(schedule, now) !== undefined) return this.personalRead(viewer, read);
    return { ...(await this.readCourse(courseId, viewer, read)), validUntil: nextRelease(schedule, now) };
  }

  /** A learner asking for a lesson of a section that has not opened gets 403 not_available_yet with the date. */
  async lesson(courseId: number, lessonId: number, viewer: AuthUser | null): Promise<Representation> {
    const schedule = await this.releaseSchedule(courseId);
    const now = Date.now();
    const opensAt = schedule?.releases.get(lessonId);
    const withheld = opensAt !== undefined && opensAt > now;
    const read: CourseRead<Awaited<ReturnType<CoursesRepository['findLesson']>> & object> = {
      key: `lesson:${lessonId}`,
      find: () => this.repository.findLesson(courseId, lessonId),
      access: (found) => found.course,
      render: ({ lesson }) => {
        // Not remembered for a public course: a missing lesson is a 404 for everyone.
        if (!lesson) throw lessonNotFound();
        return { body: JSON.stringify(lessonJson(lesson)) };
      },
    };
    if (withheld && schedule) {
      if (!isPrivileged(schedule.course, viewer)) {
        if (!viewer && !schedule.course.published) throw courseNotFound();
        if (viewer && !canView(schedule.course, viewer)) throw courseNotFound();
        throw notAvailableYet(new Date(opensAt));
      }
      return this.personalRead(viewer, read);
    }
    return { ...(await this.readCourse(courseId, viewer, read)), validUntil: nextRelease(schedule, now) };
  }

  /** Which lessons open when: time-independent, so cached in the course's namespace until the next write. */
  private async releaseSchedule(courseId: number): Promise<ReleaseSchedule | null> {
    const entry = await this.cache.get(courseNamespace(courseId), 'schedule', async () => {
      const schedule = await this.repository.findReleaseSchedule(courseId);
      return {
        body: JSON.stringify(schedule && { course: schedule.course, releases: [...schedule.releases] }),
      };
    });
    let parsed = this.schedules.get(entry);
    if (parsed === undefined) {
      const stored = JSON.parse(entry.body) as { course: CourseAccess; releases: [number, number][] } | null;
      parsed = stored && { course: stored.course, releases: new Map(stored.releases) };
      this.schedules.set(entry, parsed);
    }
    return parsed;
  }

  /** Entries are immutable and reused on every L1 hit: each schedule is parsed once. */
  private readonly schedules = new WeakMap<CacheEntry, ReleaseSchedule | null>();

  async createCourse(viewer: AuthUser, input: CourseInput): Promise<CourseJson> {
    const course = await this.repository.createCourse({
      ...courseValues(input),
      title: input.title,
      description: input.description ?? null,
      ownerId: viewer.id,
      published: input.published ?? true,
    });
    await this.invalidate(course, course);
    return courseJson(course);
  }

  async updateCourse(viewer: AuthUser, courseId: number, changes: Partial<CourseInput>): Promise<CourseJson> {
    if (courseFields.every((field) => changes[field] === undefined)) throw nothingToChange([...courseFields]);
    const { before, after } = await this.repository.transaction(async (tx) => {
      const current = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(current, viewer);
      const updated = await this.repository.updateCourse(courseId, courseValues(changes, current), tx);
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
      const availableFrom = await this.sectionRelease(courseId, input.section_id, tx);
      const created = await this.repository.insertLesson(
        {
          courseId,
          title: input.title,
          content: input.content ?? '',
          order,
          kind: input.kind ?? 'text',
          sectionId: input.section_id ?? null,
        },
        tx,
      );
      await this.repository.adjustLessonsCount(courseId, 1, tx);
      return { course: locked, lesson: { ...created, availableFrom: availableFrom ?? null } };
    });
    await this.invalidate(course, course);
    return lessonJson(lesson);
  }

  /** The release instant of the section a lesson goes into, checked to be the course's; undefined: unchanged. */
  private async sectionRelease(
    courseId: number,
    sectionId: number | null | undefined,
    tx: Executor,
  ): Promise<Date | null | undefined> {
    if (sectionId === undefined) return undefined;
    if (sectionId === null) return null;
    const section = await this.repository.findSection(courseId, sectionId, tx);
    if (!section) throw sectionOfAnotherCourse();
    return section.availableFrom;
  }

  async updateLesson(
    viewer: AuthUser,
    courseId: number,
    lessonId: number,
    changes: LessonChanges,
  ): Promise<LessonJson> {
    const fields = ['title', 'content', 'order', 'kind', 'section_id'] as const;
    if (fields.every((field) => changes[field] === undefined)) throw nothingToChange([...fields]);
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
      const movedTo = await this.sectionRelease(courseId, changes.section_id, tx);
      const updated = await this.repository.updateLesson(
        lessonId,
        { title: changes.title, content: changes.content, kind: changes.kind, sectionId: changes.section_id },
        tx,
      );
      const availableFrom =
        movedTo !== undefined
          ? movedTo
          : updated.sectionId === null
            ? null
            : ((await this.repository.findSection(courseId, updated.sectionId, tx))?.availableFrom ?? null);
      return { course: locked, lesson: { ...updated, availableFrom } };
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

  async createSection(viewer: AuthUser, courseId: number, input: SectionInput): Promise<SectionJson> {
    const { course, section } = await this.repository.transaction(async (tx) => {
      const locked = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(locked, viewer);
      const end = (await this.repository.countSections(courseId, tx)) + 1;
      const order = input.order !== undefined && input.order >= 1 ? Math.min(input.order, end) : end;
      if (order < end) await this.repository.shiftSections(courseId, order, 1, tx);
      const created = await this.repository.insertSection(
        { courseId, title: input.title, order, availableFrom: toDate(input.available_from) ?? null },
        tx,
      );
      return { course: locked, section: created };
    });
    await this.invalidate(course, course);
    return sectionJson(section, []);
  }

  /** Renames, reorders (`order`) or dates a section. */
  async updateSection(
    viewer: AuthUser,
    courseId: number,
    sectionId: number,
    changes: SectionChanges,
  ): Promise<SectionJson> {
    const fields = ['title', 'order', 'available_from'] as const;
    if (fields.every((field) => changes[field] === undefined)) throw nothingToChange([...fields]);
    const { course, section, lessonIds } = await this.repository.transaction(async (tx) => {
      const locked = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(locked, viewer);
      const current = await this.repository.findSection(courseId, sectionId, tx);
      if (!current) throw sectionNotFound();
      if (changes.order !== undefined) {
        const last = await this.repository.countSections(courseId, tx);
        const order = changes.order >= 1 ? Math.min(changes.order, last) : last;
        await this.repository.moveSection(courseId, sectionId, current.order, order, tx);
      }
      const updated = await this.repository.updateSection(
        sectionId,
        { title: changes.title, availableFrom: toDate(changes.available_from) },
        tx,
      );
      return {
        course: locked,
        section: updated,
        lessonIds: await this.repository.sectionLessonIds(sectionId, tx),
      };
    });
    await this.invalidate(course, course);
    return sectionJson(section, lessonIds);
  }

  /** Its lessons stay, in no section; later sections move up. */
  async deleteSection(viewer: AuthUser, courseId: number, sectionId: number): Promise<void> {
    const course = await this.repository.transaction(async (tx) => {
      const locked = await this.repository.lockCourse(courseId, tx);
      assertCanEdit(locked, viewer);
      const deleted = await this.repository.deleteSection(courseId, sectionId, tx);
      if (!deleted) throw sectionNotFound();
      await this.repository.shiftSections(courseId, deleted.order + 1, -1, tx);
      return locked;
    });
    await this.invalidate(course, course);
  }

  async createInvite(viewer: AuthUser, courseId: number, input: InviteInput): Promise<InviteJson> {
    await this.editableCourse(viewer, courseId);
    const invite = await this.repository.insertInvite({
      code: randomBytes(12).toString('base64url'),
      courseId,
      maxUses: input.max_uses ?? null,
      expiresAt: toDate(input.expires_at) ?? null,
    });
    return inviteJson(invite);
  }

  async listInvites(viewer: AuthUser, courseId: number): Promise<InviteJson[]> {
    await this.editableCourse(viewer, courseId);
    return (await this.repository.listInvites(courseId)).map(inviteJson);
  }

  /** Revokes a code: later redemptions fail; learners who enrolled with it stay enrolled. */
  async deleteInvite(viewer: AuthUser, courseId: number, code: string): Promise<void> {
    await this.editableCourse(viewer, courseId);
    if (!(await this.repository.deleteInvite(courseId, code))) throw inviteNotFound();
  }

  /** For progress: counts a learner's use of a code once (a retry counts nothing); 403 invalid_invite otherwise. */
  async redeemInvite(courseId: number, code: string, userId: number): Promise<{ code: string }> {
    if (!(await this.repository.redeemInvite(courseId, code, userId))) throw invalidInvite();
    return { code };
  }

  /** For progress: gives back the use of a learner whose enrolment failed after the redemption. */
  async releaseInvite(courseId: number, code: string, userId: number): Promise<void> {
    await this.repository.releaseInvite(courseId, code, userId);
  }

  private async editableCourse(viewer: AuthUser, courseId: number): Promise<void> {
    const course = await this.repository.findCourseAccess(courseId);
    assertCanEdit(course, viewer);
  }

  /** The answer for a viewer who sees more than learners do: built per request, never shared. */
  private async personalRead<T>(viewer: AuthUser | null, read: CourseRead<T>): Promise<Representation> {
    const found = await read.find();
    if (found === null || !viewer || !canView(read.access(found), viewer)) throw courseNotFound();
    const { body, headers = {} } = read.render(found);
    // Built for one owner's request and never stored: nginx compresses it on the way if it is worth it.
    return { entry: await createCacheEntry({ body, headers, compress: false }), personal: true };
  }

  /** For progress: which course a lesson belongs to, drafts included. */
  async lessonRef(lessonId: number): Promise<{ lesson_id: number; course_id: number }> {
    const ref = await this.repository.findLessonRef(lessonId);
    if (!ref) throw lessonNotFound();
    return { lesson_id: ref.lessonId, course_id: ref.courseId };
  }

  /** For progress and assessments: a course's access, settings and lessons in course order, drafts included. */
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
    // Built for one owner's request and never stored: nginx compresses it on the way if it is worth it.
    return { entry: await createCacheEntry({ ...read.render(found), compress: false }), personal: true };
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
