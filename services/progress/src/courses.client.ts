import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  cachedJson,
  httpInternalFetch,
  internalBody,
  type Cache,
  type CacheGetOptions,
  type InternalFetch,
  type InternalResponse,
} from '@lectern/kit';
import { progressErrors } from './progress.errors.js';

/** One answer of the courses service (kept for callers that name it). */
export type CoursesResponse = InternalResponse;

/** How progress reaches the courses service's /internal endpoints (fetch standalone, app.inject all-in-one). */
export type FetchCourses = InternalFetch;

const lessonRefSchema = Type.Object({
  lesson_id: Type.Integer(),
  course_id: Type.Integer(),
});
export type LessonRef = Static<typeof lessonRefSchema>;

const nullableTimestamp = Type.Union([Type.String(), Type.Null()]);

const courseOutlineSchema = Type.Object({
  course_id: Type.Integer(),
  owner_id: Type.Integer(),
  published: Type.Boolean(),
  lesson_ids: Type.Array(Type.Integer()),
  title: Type.String(),
  enrollment: Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')]),
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  enroll_opens_at: nullableTimestamp,
  enroll_closes_at: nullableTimestamp,
  sequential: Type.Boolean(),
  lessons: Type.Array(
    Type.Object({
      id: Type.Integer(),
      kind: Type.Union([Type.Literal('text'), Type.Literal('quiz')]),
      section_id: Type.Union([Type.Integer(), Type.Null()]),
      available_from: nullableTimestamp,
    }),
  ),
});
export type CourseOutline = Static<typeof courseOutlineSchema>;
export type OutlineLesson = CourseOutline['lessons'][number];

/** Courses writes invalidate this namespace, so every service caching these answers sees a change at once. */
export const courseOutlinesNamespace = 'course-outlines';

/** The default transport: `fetch` against the courses service, bounded by a timeout. */
export const httpFetchCourses = httpInternalFetch;

/**
 * Lesson and course facts from the courses API through the shared cache. A 404 is cached too (as `null`), so a
 * flood of unknown ids costs courses one call per id; any other failure is a 503 and is never cached. Release
 * dates are cached as dates: whether a lesson is open is decided per request against the clock.
 */
export class CoursesClient {
  private readonly cacheOptions: CacheGetOptions;

  /**
   * `lookupTtlWithoutRedisMs` (PROGRESS_LOOKUP_TTL_WITHOUT_REDIS_MS): while Redis is away, a lookup stays in
   * process this long instead of the cache's L1 TTL, so completions do not each cost a call to courses.
   */
  constructor(
    private readonly cache: Cache,
    private readonly fetchCourses: FetchCourses,
    lookupTtlWithoutRedisMs?: number,
  ) {
    this.cacheOptions =
      lookupTtlWithoutRedisMs === undefined ? {} : { l1TtlWithoutRedisMs: lookupTtlWithoutRedisMs };
  }

  lesson(lessonId: number): Promise<LessonRef | null> {
    return this.read(`lesson:${lessonId}`, `/internal/courses/lessons/${lessonId}`, lessonRefSchema);
  }

  outline(courseId: number): Promise<CourseOutline | null> {
    return this.read(`outline:${courseId}`, `/internal/courses/${courseId}/outline`, courseOutlineSchema);
  }

  /** Counts the learner's use of an invite code, once however often retried; false when the code is not valid. */
  async redeemInvite(courseId: number, code: string, userId: number): Promise<boolean> {
    const path = `/internal/courses/${courseId}/invites/${encodeURIComponent(code)}/redemptions`;
    const response = await this.call(path, { method: 'POST', body: { user_id: userId } });
    if (response.status === 200) return true;
    if (response.status === 403 || response.status === 422) return false;
    throw progressErrors.coursesUnavailable(new Error(`POST ${path} answered ${response.status}`));
  }

  /** Gives the learner's use of a code back, after an enrolment that failed. */
  async releaseInvite(courseId: number, code: string, userId: number): Promise<void> {
    const path = `/internal/courses/${courseId}/invites/${encodeURIComponent(code)}/redemptions/${userId}`;
    const response = await this.call(path, { method: 'DELETE' });
    if (response.status !== 204) {
      throw progressErrors.coursesUnavailable(new Error(`DELETE ${path} answered ${response.status}`));
    }
  }

  private async call(path: string, request?: Parameters<FetchCourses>[1]): Promise<CoursesResponse> {
    try {
      return await this.fetchCourses(path, request);
    } catch (error) {
      throw progressErrors.coursesUnavailable(error);
    }
  }

  private read<S extends TSchema>(key: string, path: string, schema: S): Promise<Static<S> | null> {
    return cachedJson(
      this.cache,
      courseOutlinesNamespace,
      key,
      () => this.load(path, schema),
      this.cacheOptions,
    );
  }

  private async load<S extends TSchema>(path: string, schema: S): Promise<Static<S> | null> {
    const response = await this.call(path);
    if (response.status === 404) return null;
    if (response.status !== 200) {
      throw progressErrors.coursesUnavailable(new Error(`GET ${path} answered ${response.status}`));
    }
    const body = internalBody(response.body);
    if (!Value.Check(schema, body)) {
      throw progressErrors.coursesUnavailable(new Error(`GET ${path} answered an unexpected body`));
    }
    return Value.Clean(schema, body);
  }
}
