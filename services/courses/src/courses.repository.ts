import { containsPattern, freshness, type Database, type Db, type ReadOptions } from '@lectern/kit';
import { TransactionRollbackError, and, asc, eq, gt, gte, isNull, lte, or, sql } from 'drizzle-orm';
import type { CourseAccess } from './course-access.js';
import { courses, inviteRedemptions, invites, lessons, sections } from './db/schema.js';

export type Course = typeof courses.$inferSelect;
export type CourseSettings = Pick<
  Course,
  'enrollment' | 'capacity' | 'enrollOpensAt' | 'enrollClosesAt' | 'sequential'
>;
export type Lesson = typeof lessons.$inferSelect;
/** A lesson as read: with its section's release instant (null: no section, or no date). */
export interface ReadLesson extends Lesson {
  availableFrom: Date | null;
}
export type Section = typeof sections.$inferSelect;
export type Invite = typeof invites.$inferSelect;
export type LessonKind = Lesson['kind'];
export interface LessonSummary {
  id: number;
  title: string;
  order: number;
  kind: LessonKind;
  section_id: number | null;
}
export interface SectionOutline {
  id: number;
  title: string;
  order: number;
  available_from: string | null;
  lesson_ids: number[];
}
export interface CourseDetail extends Course {
  lessons: LessonSummary[];
  sections: SectionOutline[];
}
export interface OutlineLesson {
  id: number;
  kind: LessonKind;
  section_id: number | null;
  available_from: string | null;
}
export interface CourseOutline extends CourseAccess, CourseSettings {
  title: string;
  /** In course order: lessons without a section first, then section by section, each by lesson order. */
  lessons: OutlineLesson[];
}
/** When the lessons of dated sections open; time-independent, so it can be cached until the next write. */
export interface ReleaseSchedule {
  course: CourseAccess;
  /** lesson id → epoch milliseconds. */
  releases: Map<number, number>;
}

/** A drizzle handle or an open transaction: repository writes run in the caller's transaction. */
export type Executor = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export interface CourseFilter {
  publishedOnly?: boolean;
  ownerId?: number;
  /** Matched case-insensitively anywhere in the title or the description. */
  search?: string;
}

export interface PageWindow {
  /** Rows to return: the page size plus one tells whether a next page exists. */
  limit: number;
  offset: number;
  /** Keyset: only ids above this one (0 = from the start). */
  afterId: number;
}

export interface SqlQuery {
  text: string;
  params: unknown[];
}

const courseColumns =
  'c.id, c.title, c.description, c.owner_id, c.published, c.lessons_count, c.enrollment, c.capacity, ' +
  'c.enroll_opens_at, c.enroll_closes_at, c.sequential, c.created_at, c.updated_at';

/** Course order: lessons without a section first, then by section position, each by lesson position. */
const courseOrder = 'coalesce(s."order", 0), l."order"';

function matchingCourses(filter: CourseFilter, param: (value: unknown) => string): string {
  const conditions: string[] = [];
  if (filter.publishedOnly === true) conditions.push('c.published');
  if (filter.ownerId !== undefined) conditions.push(`c.owner_id = ${param(filter.ownerId)}`);
  if (filter.search !== undefined) {
    const pattern = param(containsPattern(filter.search));
    conditions.push(`(c.title ilike ${pattern} or c.description ilike ${pattern})`);
  }
  return conditions.length > 0 ? conditions.join(' and ') : 'true';
}

/**
 * A list page ordered by id. With `afterId` it is a keyset range scan, so a deep page costs what page one does.
 */
export function coursePageQuery(filter: CourseFilter, window: PageWindow): SqlQuery {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const matching = matchingCourses(filter, param);
  const inWindow = window.afterId > 0 ? `${matching} and c.id > ${param(window.afterId)}` : matching;
  const text =
    `select ${courseColumns} from courses.courses c where ${inWindow} ` +
    `order by c.id limit ${param(window.limit)} offset ${param(window.offset)}`;
  return { text, params };
}

/**
 * The total of a filter (X-Total-Count). It grows with the catalog whatever the page, so the service caches it
 * apart from the pages: one count per catalog version and search, however many pages are filled.
 */
export function courseCountQuery(filter: CourseFilter): SqlQuery {
  const params: unknown[] = [];
  const matching = matchingCourses(filter, (value: unknown) => `$${params.push(value)}`);
  return { text: `select count(*) as total from courses.courses c where ${matching}`, params };
}

interface CourseRow {
  id: string;
  title: string;
  description: string | null;
  owner_id: string;
  published: boolean;
  lessons_count: number;
  enrollment: Course['enrollment'];
  capacity: number | null;
  enroll_opens_at: Date | null;
  enroll_closes_at: Date | null;
  sequential: boolean;
  created_at: Date;
  updated_at: Date;
}

function toCourse(row: CourseRow): Course {
  return {
    id: Number(row.id),
    title: row.title,
    description: row.description,
    ownerId: Number(row.owner_id),
    published: row.published,
    lessonsCount: row.lessons_count,
    enrollment: row.enrollment,
    capacity: row.capacity,
    enrollOpensAt: row.enroll_opens_at,
    enrollClosesAt: row.enroll_closes_at,
    sequential: row.sequential,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

interface LessonRow {
  course_id: string;
  owner_id: string;
  published: boolean;
  id: string | null;
  title: string;
  content: string;
  order: number;
  kind: LessonKind;
  section_id: string | null;
  available_from: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toLesson(row: LessonRow & { id: string }): ReadLesson {
  return {
    id: Number(row.id),
    courseId: Number(row.course_id),
    title: row.title,
    content: row.content,
    order: row.order,
    kind: row.kind,
    sectionId: row.section_id === null ? null : Number(row.section_id),
    availableFrom: row.available_from,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function courseAccessOf(row: Pick<LessonRow, 'course_id' | 'owner_id' | 'published'>): CourseAccess {
  return { id: Number(row.course_id), ownerId: Number(row.owner_id), published: row.published };
}

const lessonColumns =
  'l.id, l.title, l.content, l."order", l.kind, l.section_id, s.available_from, l.created_at, l.updated_at';

/**
 * Catalog reads (lists, totals, cache misses of a course's pages) may lag: they run on the read replica
 * (DATABASE_READ_URL) unless a course was written within the read-your-writes window, so a cache fill right after
 * a write still sees it. Outlines and lesson references, which progress reads right after a change, stay on the primary.
 */
const catalogRead: ReadOptions = { mayLag: true, freshFor: [freshness.area('courses')] };

export class CoursesRepository {
  constructor(private readonly database: Database) {}

  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.database.db.transaction(work);
  }

  async listCourses(filter: CourseFilter, window: PageWindow): Promise<Course[]> {
    const { text, params } = coursePageQuery(filter, window);
    const { rows } = await this.database.query<CourseRow>(text, params, catalogRead);
    return rows.map(toCourse);
  }

  async countCourses(filter: CourseFilter): Promise<number> {
    const { text, params } = courseCountQuery(filter);
    const { rows } = await this.database.query<{ total: string }>(text, params, catalogRead);
    return Number(rows[0]?.total ?? 0);
  }

  /** The course, its lesson summaries and its sections in one statement. */
  async findCourseDetail(id: number): Promise<CourseDetail | null> {
    const { rows } = await this.database.query<
      CourseRow & { lessons: LessonSummary[]; sections: SectionOutline[] }
    >(
      `select ${courseColumns}, coalesce((
         select json_agg(json_build_object('id', l.id, 'title', l.title, 'order', l."order", 'kind', l.kind,
                                           'section_id', l.section_id) order by l."order")
         from courses.lessons l where l.course_id = c.id), '[]'::json) as lessons,
       coalesce((
         select json_agg(json_build_object('id', s.id, 'title', s.title, 'order', s."order",
                  'available_from', to_char(s.available_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'lesson_ids', coalesce((select json_agg(l.id order by l."order")
                                          from courses.lessons l where l.section_id = s.id), '[]'::json))
                order by s."order")
         from courses.sections s where s.course_id = c.id), '[]'::json) as sections
       from courses.courses c where c.id = $1`,
      [id],
      catalogRead,
    );
    const row = rows[0];
    return row ? { ...toCourse(row), lessons: row.lessons, sections: row.sections } : null;
  }

  /** The release instants of a course's lessons in dated sections; null when the course does not exist. */
  async findReleaseSchedule(courseId: number): Promise<ReleaseSchedule | null> {
    const { rows } = await this.database.query<{
      course_id: string;
      owner_id: string;
      published: boolean;
      releases: [number, string][];
    }>(
      `select c.id as course_id, c.owner_id, c.published, coalesce((
         select json_agg(json_build_array(l.id, to_char(s.available_from at time zone 'UTC',
                                                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
         from courses.sections s join courses.lessons l on l.section_id = s.id
         where s.course_id = c.id and s.available_from is not null), '[]'::json) as releases
       from courses.courses c where c.id = $1`,
      [courseId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      course: courseAccessOf(row),
      releases: new Map(row.releases.map(([lessonId, at]) => [lessonId, Date.parse(at)])),
    };
  }

  /** null when the course does not exist; otherwise its access fields and its lessons by position. */
  async findLessons(courseId: number): Promise<{ course: CourseAccess; lessons: ReadLesson[] } | null> {
    const { rows } = await this.database.query<LessonRow>(
      `select c.id as course_id, c.owner_id, c.published, ${lessonColumns}
       from courses.courses c left join courses.lessons l on l.course_id = c.id
       left join courses.sections s on s.id = l.section_id
       where c.id = $1 order by l."order"`,
      [courseId],
      catalogRead,
    );
    const first = rows[0];
    if (!first) return null;
    const found: ReadLesson[] = [];
    for (const row of rows) if (row.id !== null) found.push(toLesson({ ...row, id: row.id }));
    return { course: courseAccessOf(first), lessons: found };
  }

  /** null when the course does not exist; `lesson` null when the course has no such lesson. */
  async findLesson(
    courseId: number,
    lessonId: number,
  ): Promise<{ course: CourseAccess; lesson: ReadLesson | null } | null> {
    const { rows } = await this.database.query<LessonRow>(
      `select c.id as course_id, c.owner_id, c.published, ${lessonColumns}
       from courses.courses c left join courses.lessons l on l.course_id = c.id and l.id = $2
       left join courses.sections s on s.id = l.section_id
       where c.id = $1`,
      [courseId, lessonId],
      catalogRead,
    );
    const row = rows[0];
    if (!row) return null;
    return { course: courseAccessOf(row), lesson: row.id === null ? null : toLesson({ ...row, id: row.id }) };
  }

  async findCourseAccess(courseId: number): Promise<CourseAccess | null> {
    const [course] = await this.database.db
      .select({ id: courses.id, ownerId: courses.ownerId, published: courses.published })
      .from(courses)
      .where(eq(courses.id, courseId));
    return course ?? null;
  }

  async findLessonRef(lessonId: number): Promise<{ lessonId: number; courseId: number } | null> {
    const { rows } = await this.database.query<{ id: string; course_id: string }>(
      'select id, course_id from courses.lessons where id = $1',
      [lessonId],
    );
    const row = rows[0];
    return row ? { lessonId: Number(row.id), courseId: Number(row.course_id) } : null;
  }

  async findOutline(courseId: number): Promise<CourseOutline | null> {
    const { rows } = await this.database.query<CourseRow & { lessons: OutlineLesson[] }>(
      `select ${courseColumns}, coalesce((
         select json_agg(json_build_object('id', l.id, 'kind', l.kind, 'section_id', l.section_id,
                  'available_from', to_char(s.available_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                order by ${courseOrder})
         from courses.lessons l left join courses.sections s on s.id = l.section_id
         where l.course_id = c.id), '[]'::json) as lessons
       from courses.courses c where c.id = $1`,
      [courseId],
    );
    const row = rows[0];
    return row ? { ...toCourse(row), lessons: row.lessons } : null;
  }

  async createCourse(
    values: { title: string; description: string | null; ownerId: number; published: boolean },
    tx: Executor = this.database.db,
  ): Promise<Course> {
    const [created] = await tx.insert(courses).values(values).returning();
    if (!created) throw new Error('INSERT … RETURNING returned no course');
    return created;
  }

  /** Locks the course row until the transaction ends: lesson writes on one course run one at a time. */
  async lockCourse(id: number, tx: Executor): Promise<Course | null> {
    const [course] = await tx.select().from(courses).where(eq(courses.id, id)).for('update');
    return course ?? null;
  }

  async updateCourse(
    id: number,
    changes: { title?: string; description?: string | null; published?: boolean } & Partial<CourseSettings>,
    tx: Executor = this.database.db,
  ): Promise<Course | null> {
    const [updated] = await tx
      .update(courses)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(courses.id, id))
      .returning();
    return updated ?? null;
  }

  async deleteCourse(id: number, tx: Executor = this.database.db): Promise<boolean> {
    const deleted = await tx.delete(courses).where(eq(courses.id, id)).returning({ id: courses.id });
    return deleted.length > 0;
  }

  async adjustLessonsCount(courseId: number, delta: number, tx: Executor): Promise<void> {
    await tx
      .update(courses)
      .set({ lessonsCount: sql`${courses.lessonsCount} + ${delta}` })
      .where(eq(courses.id, courseId));
  }

  async findLessonForUpdate(courseId: number, lessonId: number, tx: Executor): Promise<Lesson | null> {
    const [lesson] = await tx
      .select()
      .from(lessons)
      .where(and(eq(lessons.id, lessonId), eq(lessons.courseId, courseId)))
      .for('update');
    return lesson ?? null;
  }

  /** Moves every lesson at `fromOrder` or later by `delta` positions (uniqueness is checked at commit). */
  async shiftLessons(courseId: number, fromOrder: number, delta: 1 | -1, tx: Executor): Promise<void> {
    await tx
      .update(lessons)
      .set({ order: sql`${lessons.order} + ${delta}` })
      .where(and(eq(lessons.courseId, courseId), gte(lessons.order, fromOrder)));
  }

  async insertLesson(
    values: {
      courseId: number;
      title: string;
      content: string;
      order: number;
      kind?: LessonKind;
      sectionId?: number | null;
    },
    tx: Executor,
  ): Promise<Lesson> {
    const [created] = await tx.insert(lessons).values(values).returning();
    if (!created) throw new Error('INSERT … RETURNING returned no lesson');
    return created;
  }

  /** Puts the lesson at position `to` and shifts the lessons between its old and new position by one. */
  async moveLesson(
    courseId: number,
    lessonId: number,
    from: number,
    to: number,
    tx: Executor,
  ): Promise<void> {
    if (from === to) return;
    const low = Math.min(from, to);
    const high = Math.max(from, to);
    const shift = to < from ? 1 : -1;
    await tx
      .update(lessons)
      .set({
        order: sql`case when ${lessons.id} = ${lessonId} then ${to}::integer else ${lessons.order} + ${shift}::integer end`,
      })
      .where(and(eq(lessons.courseId, courseId), gte(lessons.order, low), lte(lessons.order, high)));
  }

  async updateLesson(
    lessonId: number,
    changes: { title?: string; content?: string; kind?: LessonKind; sectionId?: number | null },
    tx: Executor,
  ): Promise<Lesson> {
    const [updated] = await tx
      .update(lessons)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(lessons.id, lessonId))
      .returning();
    if (!updated) throw new Error(`Lesson ${lessonId} vanished inside its own transaction`);
    return updated;
  }

  async deleteLesson(courseId: number, lessonId: number, tx: Executor): Promise<Lesson | null> {
    const [deleted] = await tx
      .delete(lessons)
      .where(and(eq(lessons.id, lessonId), eq(lessons.courseId, courseId)))
      .returning();
    return deleted ?? null;
  }

  async findSection(courseId: number, sectionId: number, tx: Executor): Promise<Section | null> {
    const [section] = await tx
      .select()
      .from(sections)
      .where(and(eq(sections.id, sectionId), eq(sections.courseId, courseId)));
    return section ?? null;
  }

  async countSections(courseId: number, tx: Executor): Promise<number> {
    const [row] = await tx
      .select({ count: sql<number>`count(*)::integer` })
      .from(sections)
      .where(eq(sections.courseId, courseId));
    return row?.count ?? 0;
  }

  async insertSection(
    values: { courseId: number; title: string; order: number; availableFrom: Date | null },
    tx: Executor,
  ): Promise<Section> {
    const [created] = await tx.insert(sections).values(values).returning();
    if (!created) throw new Error('INSERT … RETURNING returned no section');
    return created;
  }

  /** Moves every section at `fromOrder` or later by `delta` positions. */
  async shiftSections(courseId: number, fromOrder: number, delta: 1 | -1, tx: Executor): Promise<void> {
    await tx
      .update(sections)
      .set({ order: sql`${sections.order} + ${delta}` })
      .where(and(eq(sections.courseId, courseId), gte(sections.order, fromOrder)));
  }

  /** Puts the section at position `to` and shifts the ones between its old and new position by one. */
  async moveSection(courseId: number, sectionId: number, from: number, to: number, tx: Executor) {
    if (from === to) return;
    const shift = to < from ? 1 : -1;
    await tx
      .update(sections)
      .set({
        order: sql`case when ${sections.id} = ${sectionId} then ${to}::integer else ${sections.order} + ${shift}::integer end`,
      })
      .where(
        and(
          eq(sections.courseId, courseId),
          gte(sections.order, Math.min(from, to)),
          lte(sections.order, Math.max(from, to)),
        ),
      );
  }

  async updateSection(
    sectionId: number,
    changes: { title?: string; availableFrom?: Date | null },
    tx: Executor,
  ): Promise<Section> {
    const [updated] = await tx
      .update(sections)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(sections.id, sectionId))
      .returning();
    if (!updated) throw new Error(`Section ${sectionId} vanished inside its own transaction`);
    return updated;
  }

  /** Its lessons keep their positions and move to no section (the foreign key's ON DELETE SET NULL). */
  async deleteSection(courseId: number, sectionId: number, tx: Executor): Promise<Section | null> {
    const [deleted] = await tx
      .delete(sections)
      .where(and(eq(sections.id, sectionId), eq(sections.courseId, courseId)))
      .returning();
    return deleted ?? null;
  }

  async sectionLessonIds(sectionId: number, tx: Executor = this.database.db): Promise<number[]> {
    const rows = await tx
      .select({ id: lessons.id })
      .from(lessons)
      .where(eq(lessons.sectionId, sectionId))
      .orderBy(asc(lessons.order));
    return rows.map((row) => row.id);
  }

  async insertInvite(
    values: { code: string; courseId: number; maxUses: number | null; expiresAt: Date | null },
    tx: Executor = this.database.db,
  ): Promise<Invite> {
    const [created] = await tx.insert(invites).values(values).returning();
    if (!created) throw new Error('INSERT … RETURNING returned no invite');
    return created;
  }

  async listInvites(courseId: number): Promise<Invite[]> {
    return this.database.db
      .select()
      .from(invites)
      .where(eq(invites.courseId, courseId))
      .orderBy(asc(invites.createdAt), asc(invites.code));
  }

  async deleteInvite(courseId: number, code: string): Promise<boolean> {
    const deleted = await this.database.db
      .delete(invites)
      .where(and(eq(invites.courseId, courseId), eq(invites.code, code)))
      .returning({ code: invites.code });
    return deleted.length > 0;
  }

  /**
   * Counts one use of a code by a learner, at most once per learner: a retry finds the learner's redemption and
   * counts nothing. The use is taken only while the code is live and below max_uses, in one statement each, so
   * concurrent redemptions never exceed max_uses. false when the code cannot be used.
   */
  async redeemInvite(courseId: number, code: string, userId: number): Promise<boolean> {
    try {
      return await this.database.db.transaction(async (tx) => {
        const [redeemed] = await tx
          .insert(inviteRedemptions)
          .values({ code, userId })
          .onConflictDoNothing()
          .returning({ code: inviteRedemptions.code });
        if (!redeemed) return this.isInviteOf(courseId, code, tx);
        const [counted] = await tx
          .update(invites)
          .set({ uses: sql`${invites.uses} + 1` })
          .where(
            and(
              eq(invites.code, code),
              eq(invites.courseId, courseId),
              or(isNull(invites.expiresAt), gt(invites.expiresAt, sql`now()`)),
              or(isNull(invites.maxUses), sql`${invites.uses} < ${invites.maxUses}`),
            ),
          )
          .returning({ code: invites.code });
        // The code cannot be used: the redemption row goes with the rollback.
        if (!counted) tx.rollback();
        return true;
      });
    } catch (error) {
      // The redemption row's foreign key: no such code at all.
      if (error instanceof TransactionRollbackError || isForeignKeyViolation(error)) return false;
      throw error;
    }
  }

  private async isInviteOf(courseId: number, code: string, tx: Executor): Promise<boolean> {
    const [invite] = await tx
      .select({ code: invites.code })
      .from(invites)
      .where(and(eq(invites.code, code), eq(invites.courseId, courseId)));
    return invite !== undefined;
  }

  /** Gives a learner's use of a code back (their enrolment failed); true when there was one. */
  async releaseInvite(courseId: number, code: string, userId: number): Promise<boolean> {
    return this.database.db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(inviteRedemptions)
        .where(and(eq(inviteRedemptions.code, code), eq(inviteRedemptions.userId, userId)))
        .returning({ code: inviteRedemptions.code });
      if (!removed) return false;
      await tx
        .update(invites)
        .set({ uses: sql`greatest(${invites.uses} - 1, 0)` })
        .where(and(eq(invites.code, code), eq(invites.courseId, courseId)));
      return true;
    });
  }
}

function isForeignKeyViolation(error: unknown): boolean {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return typeof cause === 'object' && cause !== null && (cause as { code?: unknown }).code === '23503';
}
