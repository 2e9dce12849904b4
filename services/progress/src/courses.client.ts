import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Cache, CacheEntry } from '@lectern/kit';
import { progressErrors } from './progress.errors.js';

/** One answer of the courses service: the HTTP status and the body, as text (fetch, inject) or already parsed. */
export interface CoursesResponse {
  status: number;
  body: unknown;
}

/**
 * How progress reaches the courses service: a GET of a path such as `/internal/courses/lessons/7`. Standalone it
 * is `fetch` against COURSES_URL; the all-in-one platform passes one backed by `app.inject`. A rejection means
 * courses could not answer.
 */
export type FetchCourses = (path: string) => Promise<CoursesResponse>;

const lessonRefSchema = Type.Object({
  lesson_id: Type.Integer(),
  course_id: Type.Integer(),
});
export type LessonRef = Static<typeof lessonRefSchema>;

const courseOutlineSchema = Type.Object({
  course_id: Type.Integer(),
  owner_id: Type.Integer(),
  published: Type.Boolean(),
  lesson_ids: Type.Array(Type.Integer()),
});
export type CourseOutline = Static<typeof courseOutlineSchema>;

/** Courses writes invalidate this namespace, so every service caching these answers sees a change at once. */
export const courseOutlinesNamespace = 'course-outlines';

/** The default transport: `fetch` against the courses service, bounded by a timeout. */
export function httpFetchCourses(baseUrl: string, timeoutMs: number): FetchCourses {
  const base = baseUrl.replace(/\/+$/, '');
  return async (path) => {
    const response = await fetch(`${base}${path}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: await response.text() };
  };
}

/**
 * Lesson metadata from the courses API through the shared cache. A 404 is cached too (as `null`), so a flood of
 * unknown ids costs courses one call per id; any other failure is a 503 and is never cached.
 */
export class CoursesClient {
  /** Entries are immutable and reused on every L1 hit: each is parsed once, and the result is only read. */
  private readonly parsed = new WeakMap<CacheEntry, unknown>();

  constructor(
    private readonly cache: Cache,
    private readonly fetchCourses: FetchCourses,
  ) {}

  lesson(lessonId: number): Promise<LessonRef | null> {
    return this.read(`lesson:${lessonId}`, `/internal/courses/lessons/${lessonId}`, lessonRefSchema);
  }

  outline(courseId: number): Promise<CourseOutline | null> {
    return this.read(`outline:${courseId}`, `/internal/courses/${courseId}/outline`, courseOutlineSchema);
  }

  private async read<S extends TSchema>(key: string, path: string, schema: S): Promise<Static<S> | null> {
    const entry = await this.cache.get(courseOutlinesNamespace, key, async () => ({
      body: JSON.stringify(await this.load(path, schema)),
    }));
    if (!this.parsed.has(entry)) this.parsed.set(entry, JSON.parse(entry.body));
    return this.parsed.get(entry);
  }

  private async load<S extends TSchema>(path: string, schema: S): Promise<Static<S> | null> {
    let response: CoursesResponse;
    try {
      response = await this.fetchCourses(path);
    } catch (error) {
      throw progressErrors.coursesUnavailable(error);
    }
    if (response.status === 404) return null;
    if (response.status !== 200) {
      throw progressErrors.coursesUnavailable(new Error(`GET ${path} answered ${response.status}`));
    }
    const body = parseBody(response.body);
    if (!Value.Check(schema, body)) {
      throw progressErrors.coursesUnavailable(new Error(`GET ${path} answered an unexpected body`));
    }
    return Value.Clean(schema, body);
  }
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
