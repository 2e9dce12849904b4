import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { cachedJson, internalBody, type Cache, type InternalTransport } from '@lectern/kit';
import { assessmentsErrors } from './assessments.errors.js';

const lessonRefSchema = Type.Object({ lesson_id: Type.Integer(), course_id: Type.Integer() });
export type LessonRef = Static<typeof lessonRefSchema>;

/** What assessments needs of a course; `lessons` (with each lesson's kind) arrives with course sections. */
const courseOutlineSchema = Type.Object({
  course_id: Type.Integer(),
  owner_id: Type.Integer(),
  published: Type.Boolean(),
  lessons: Type.Optional(Type.Array(Type.Object({ id: Type.Integer(), kind: Type.String() }))),
});
export type CourseOutline = Static<typeof courseOutlineSchema>;

/**
 * Courses invalidates this namespace after every write, so cached answers follow its changes. Progress caches
 * its own, fuller view of the same answers there: this client's keys carry their own prefix, so neither reads
 * an entry shaped for the other.
 */
export const courseOutlinesNamespace = 'course-outlines';
const keyPrefix = 'assessments:';

/**
 * Lessons and course outlines from the courses API through the shared cache. A 404
 * is cached as null; any other failure is a 503 and is never cached.
 */
export class CoursesClient {
  constructor(
    private readonly cache: Cache,
    private readonly transport: InternalTransport,
  ) {}

  lesson(lessonId: number): Promise<LessonRef | null> {
    return cachedJson(this.cache, courseOutlinesNamespace, `${keyPrefix}lesson:${lessonId}`, () =>
      this.load(`/internal/courses/lessons/${lessonId}`, lessonRefSchema),
    );
  }

  outline(courseId: number): Promise<CourseOutline | null> {
    return cachedJson(this.cache, courseOutlinesNamespace, `${keyPrefix}outline:${courseId}`, () =>
      this.load(`/internal/courses/${courseId}/outline`, courseOutlineSchema),
    );
  }

  private async load<S extends TSchema>(path: string, schema: S): Promise<Static<S> | null> {
    let response;
    try {
      response = await this.transport({ method: 'GET', path });
    } catch (error) {
      throw assessmentsErrors.dependencyUnavailable('courses', error);
    }
    if (response.status === 404) return null;
    const body = internalBody(response.body);
    if (response.status !== 200 || !Value.Check(schema, body)) {
      throw assessmentsErrors.dependencyUnavailable(
        'courses',
        new Error(`GET ${path} answered ${response.status} with an unexpected body`),
      );
    }
    return Value.Clean(schema, body);
  }
}
