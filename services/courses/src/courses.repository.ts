import { containsPattern, type Database, type Db } from '@lectern/kit';
import { and, eq, gte, lte, sql } from 'drizzle-orm';
import type { CourseAccess } from './course-access.js';
import { courses, lessons } from './db/schema.js';

export type Course = typeof courses.$inferSelect;
export type Lesson = typeof lessons.$inferSelect;
export interface LessonSummary {
  id: number;
  title: string;
  order: number;
}
export interface CourseDetail extends Course {
  lessons: LessonSummary[];
}
export interface CourseOutline extends CourseAccess {
  lessonIds: number[];
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
  'c.id, c.title, c.description, c.owner_id, c.published, c.lessons_count, c.created_at, c.updated_at';

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
  created_at: Date;
  updated_at: Date;
}

function toLesson(row: LessonRow & { id: string }): Lesson {
  return {
    id: Number(row.id),
    courseId: Number(row.course_id),
    title: row.title,
    content: row.content,
    order: row.order,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function courseAccessOf(row: Pick<LessonRow, 'course_id' | 'owner_id' | 'published'>): CourseAccess {
  return { id: Number(row.course_id), ownerId: Number(row.owner_id), published: row.published };
}

const lessonColumns = 'l.id, l.title, l.content, l."order", l.created_at, l.updated_at';

/**
 * Reads run on the primary with one statement each: a cache fill right after a write must see that write,
 * which a lagging replica (DATABASE_READ_URL) would not promise.
 */
export class CoursesRepository {
  constructor(private readonly database: Database) {}

  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.database.db.transaction(work);
  }

  async listCourses(filter: CourseFilter, window: PageWindow): Promise<Course[]> {
    const { text, params } = coursePageQuery(filter, window);
    const { rows } = await this.database.query<CourseRow>(text, params);
    return rows.map(toCourse);
  }

  async countCourses(filter: CourseFilter): Promise<number> {
    const { text, params } = courseCountQuery(filter);
    const { rows } = await this.database.query<{ total: string }>(text, params);
    return Number(rows[0]?.total ?? 0);
  }

  /** The course and its lesson summaries in one statement. */
  async findCourseDetail(id: number): Promise<CourseDetail | null> {
    const { rows } = await this.database.query<CourseRow & { lessons: LessonSummary[] }>(
      `select ${courseColumns}, coalesce((
         select json_agg(json_build_object('id', l.id, 'title', l.title, 'order', l."order") order by l."order")
         from courses.lessons l where l.course_id = c.id), '[]'::json) as lessons
       from courses.courses c where c.id = $1`,
      [id],
    );
    const row = rows[0];
    return row ? { ...toCourse(row), lessons: row.lessons } : null;
  }

  /** null when the course does not exist; otherwise its access fields and its lessons by position. */
  async findLessons(courseId: number): Promise<{ course: CourseAccess; lessons: Lesson[] } | null> {
    const { rows } = await this.database.query<LessonRow>(
      `select c.id as course_id, c.owner_id, c.published, ${lessonColumns}
       from courses.courses c left join courses.lessons l on l.course_id = c.id
       where c.id = $1 order by l."order"`,
      [courseId],
    );
    const first = rows[0];
    if (!first) return null;
    const found: Lesson[] = [];
    for (const row of rows) if (row.id !== null) found.push(toLesson({ ...row, id: row.id }));
    return { course: courseAccessOf(first), lessons: found };
  }

  /** null when the course does not exist; `lesson` null when the course has no such lesson. */
  async findLesson(
    courseId: number,
    lessonId: number,
  ): Promise<{ course: CourseAccess; lesson: Lesson | null } | null> {
    const { rows } = await this.database.query<LessonRow>(
      `select c.id as course_id, c.owner_id, c.published, ${lessonColumns}
       from courses.courses c left join courses.lessons l on l.course_id = c.id and l.id = $2
       where c.id = $1`,
      [courseId, lessonId],
    );
    const row = rows[0];
    if (!row) return null;
    return { course: courseAccessOf(row), lesson: row.id === null ? null : toLesson({ ...row, id: row.id }) };
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
    const { rows } = await this.database.query<{
      id: string;
      owner_id: string;
      published: boolean;
      lesson_ids: number[];
    }>(
      `select c.id, c.owner_id, c.published, coalesce((
         select json_agg(l.id order by l."order") from courses.lessons l where l.course_id = c.id), '[]'::json
       ) as lesson_ids
       from courses.courses c where c.id = $1`,
      [courseId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: Number(row.id),
      ownerId: Number(row.owner_id),
      published: row.published,
      lessonIds: row.lesson_ids,
    };
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
    changes: { title?: string; description?: string | null; published?: boolean },
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
    values: { courseId: number; title: string; content: string; order: number },
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
    changes: { title?: string; content?: string },
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
}
