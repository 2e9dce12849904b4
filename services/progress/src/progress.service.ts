import type { AuthUser } from '@lectern/kit';
import type { AuthClient } from './auth.client.js';
import type { CompletionBatcher } from './completions.batcher.js';
import type { CourseOutline, CoursesClient, LessonRef } from './courses.client.js';
import type { EnrollmentBatcher } from './enrollments.batcher.js';
import { progressErrors } from './progress.errors.js';
import type {
  CompletedLesson,
  CompletedPairs,
  EnrolledPairs,
  Page,
  ProgressRepository,
} from './progress.repository.js';

export interface EnrollmentView {
  course_id: number;
  status: 'enrolled';
  enrolled_at: string;
}

export interface SeatsView {
  course_id: number;
  capacity: number | null;
  taken: number;
  /** null when the course has no seat limit. */
  left: number | null;
}

export interface RosterEntry {
  user_id: number;
  email: string | null;
  enrolled_at: string;
  completed_lessons: number;
  percent: number;
  last_completed_at: string | null;
}

/** Rows per query when the whole roster goes out as CSV. */
const rosterExportPage = 500;
const csvColumns = [
  'user_id',
  'email',
  'enrolled_at',
  'completed_lessons',
  'percent',
  'last_completed_at',
] as const;

/** RFC 4180 quoting; a leading formula character is defused so spreadsheets show text, not a formula. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Owners and admins work on any lesson of their course: no enrolment, release date or order applies. */
function isPrivileged(user: AuthUser, outline: CourseOutline): boolean {
  return user.role === 'admin' || outline.owner_id === user.id;
}

export interface CompletionView {
  lesson_id: number;
  completed_at: string;
}

export interface CourseSummary {
  course_id: number;
  completed_lessons: number;
  total_lessons: number;
  percent: number;
  next_lesson_id: number | null;
  last_completed_at: string | null;
  completed_at: string | null;
  completed_lesson_ids: number[];
}

/** Published courses are everyone's; a draft is seen by its owner and admins only. */
function canSee(user: AuthUser, outline: CourseOutline): boolean {
  return outline.published || outline.owner_id === user.id || user.role === 'admin';
}

/**
 * A summary against the course's current outline: completions of lessons no longer in it do not count, and
 * the course is complete when every current lesson is, at the time the last of them was completed.
 */
export function summarize(outline: CourseOutline, completions: ReadonlyMap<number, Date>): CourseSummary {
  const completedLessonIds: number[] = [];
  let nextLessonId: number | null = null;
  let lastCompletedAt: Date | null = null;
  for (const lessonId of outline.lesson_ids) {
    const completedAt = completions.get(lessonId);
    if (completedAt === undefined) {
      nextLessonId ??= lessonId;
      continue;
    }
    completedLessonIds.push(lessonId);
    if (lastCompletedAt === null || completedAt > lastCompletedAt) lastCompletedAt = completedAt;
  }
  const total = outline.lesson_ids.length;
  const completed = completedLessonIds.length;
  const done = total > 0 && completed === total;
  return {
    course_id: outline.course_id,
    completed_lessons: completed,
    total_lessons: total,
    percent: total === 0 ? 0 : Math.floor((completed * 100) / total),
    next_lesson_id: nextLessonId,
    last_completed_at: lastCompletedAt?.toISOString() ?? null,
    completed_at: done && lastCompletedAt ? lastCompletedAt.toISOString() : null,
    completed_lesson_ids: completedLessonIds,
  };
}

function enrollmentView(courseId: number, enrolledAt: Date): EnrollmentView {
  return { course_id: courseId, status: 'enrolled', enrolled_at: enrolledAt.toISOString() };
}

/** Why the enrolment window refuses a newcomer now, or null when it is open. */
function windowRefusal(outline: CourseOutline): string | null {
  const now = Date.now();
  if (outline.enroll_opens_at && Date.parse(outline.enroll_opens_at) > now) {
    return `Enrolment opens on ${outline.enroll_opens_at}.`;
  }
  if (outline.enroll_closes_at && Date.parse(outline.enroll_closes_at) <= now) {
    return `Enrolment closed on ${outline.enroll_closes_at}.`;
  }
  return null;
}

function assertWindowOpen(outline: CourseOutline): void {
  const refusal = windowRefusal(outline);
  if (refusal !== null) throw progressErrors.enrollmentClosed(refusal);
}

/** Anyone may join the course right now and no seat can run out: enrolling cannot be refused. */
function freelyOpen(outline: CourseOutline): boolean {
  return (
    outline.published &&
    outline.enrollment === 'open' &&
    outline.capacity === null &&
    windowRefusal(outline) === null
  );
}

/** The lessons before this one in the course's order (a sequential course's prerequisites). */
function lessonsBefore(outline: CourseOutline, lessonId: number): number[] {
  const position = outline.lesson_ids.indexOf(lessonId);
  return position > 0 ? outline.lesson_ids.slice(0, position) : [];
}

/** What a batch of checks read once for all of them: enrolments, and completions of earlier lessons. */
interface KnownForBatch {
  enrolled: EnrolledPairs;
  completed: CompletedPairs;
}

function byLesson(completions: readonly CompletedLesson[]): Map<number, Date> {
  return new Map(completions.map((completion) => [completion.lessonId, completion.completedAt]));
}

export class ProgressService {
  constructor(
    private readonly repository: ProgressRepository,
    private readonly courses: CoursesClient,
    private readonly batcher: CompletionBatcher,
    private readonly seats: EnrollmentBatcher,
    private readonly auth: AuthClient,
  ) {}

  /**
   * A learner's completion. A quiz lesson is completed by passing its quiz (assessments calls
   * completeForAssessment), so here it is 409 quiz_required.
   */
  async complete(user: AuthUser, lessonId: number): Promise<void> {
    await this.checkedThenQueued(user, lessonId, true);
  }

  /** Assessments: the learner passed the lesson's quiz. Idempotent. */
  async completeForAssessment(user: AuthUser, lessonId: number): Promise<void> {
    await this.checkedThenQueued(user, lessonId, false);
  }

  /**
   * Checks the completion, then hands it to the batcher within the tracked check, so a shutdown that waits for
   * the checks (settleChecks) closes the batcher only after the completion is queued; then waits for its write.
   */
  private async checkedThenQueued(user: AuthUser, lessonId: number, refuseQuiz: boolean): Promise<void> {
    const queued = await this.checked(
      this.workableLesson(user, lessonId, 'in-write').then(({ lesson, outline, enrolInWrite }) => {
        if (refuseQuiz && outline.lessons.find((item) => item.id === lessonId)?.kind === 'quiz')
          throw progressErrors.quizRequired();
        const written = this.batcher.complete({
          userId: user.id,
          lessonId,
          courseId: lesson.course_id,
          totalLessons: outline.lesson_ids.length,
          enrol: enrolInWrite,
        });
        // Awaited just below; marked handled here so a refusal is not reported as unhandled in between.
        written.catch(() => undefined);
        return { written };
      }),
    );
    await queued.written;
  }

  /**
   * Resolves once every completion still being checked has gone on to the batcher (or failed): on shutdown the
   * batcher closes after this, so a completion that passed its checks is written, not refused.
   */
  async settleChecks(): Promise<void> {
    while (this.checks.size > 0) await Promise.allSettled([...this.checks]);
  }

  private readonly checks = new Set<Promise<unknown>>();

  private checked<T>(check: Promise<T>): Promise<T> {
    this.checks.add(check);
    const settle = () => this.checks.delete(check);
    check.then(settle, settle);
    return check;
  }

  /** Assessments: may the learner work on this lesson now? Enrols them in an open course, as a completion does. */
  async access(user: AuthUser, lessonId: number): Promise<{ course_id: number; enrolled: true }> {
    const { lesson } = await this.workableLesson(user, lessonId, 'now');
    return { course_id: lesson.course_id, enrolled: true };
  }

  /**
   * Many access checks at once (assessments' batched exam starts): the learners' enrolments, and in sequential
   * courses their completions of the earlier lessons, are read in one query each for the whole batch, then each
   * check settles as `access` would. A learner about to be refused lesson_locked is asked about once more, alone.
   */
  async accessMany(
    checks: readonly { user: AuthUser; lessonId: number }[],
  ): Promise<PromiseSettledResult<{ course_id: number; enrolled: true }>[]> {
    const lessons = await Promise.all(checks.map(({ lessonId }) => this.courses.lesson(lessonId)));
    const outlines = await Promise.all(
      lessons.map(async (lesson) => (lesson ? this.courses.outline(lesson.course_id) : null)),
    );
    const enrolments = checks.flatMap(({ user }, index) => {
      const lesson = lessons[index];
      return lesson ? [{ userId: user.id, courseId: lesson.course_id }] : [];
    });
    const earlierLessons = checks.flatMap(({ user, lessonId }, index) => {
      const outline = outlines[index];
      if (!outline?.sequential) return [];
      return lessonsBefore(outline, lessonId).map((earlier) => ({ userId: user.id, lessonId: earlier }));
    });
    const [enrolled, completed] = await Promise.all([
      this.repository.enrolledAmong(enrolments),
      this.repository.completedAmong(earlierLessons),
    ]);
    return Promise.allSettled(
      checks.map(async ({ user, lessonId }) => {
        const { lesson } = await this.workableLesson(user, lessonId, 'now', { enrolled, completed });
        return { course_id: lesson.course_id, enrolled: true as const };
      }),
    );
  }

  /**
   * 201 (created) or 200 with the same body when already enrolled. Checks, in order: the course is published,
   * the window is open, the policy (an invite code is redeemed in courses, once per learner), then a seat. A
   * learner who redeemed a code and found no seat gets the use back.
   */
  async enroll(
    user: AuthUser,
    courseId: number,
    inviteCode?: string,
  ): Promise<{ enrollment: EnrollmentView; created: boolean }> {
    const outline = await this.courses.outline(courseId);
    if (!outline?.published) throw progressErrors.courseNotFound(courseId);
    // In a course anyone may join now, the seat batch itself answers a learner already enrolled (not fresh).
    if (outline.enrollment !== 'open' || windowRefusal(outline) !== null) {
      const existing = await this.repository.enrollment(user.id, courseId);
      if (existing) return { enrollment: enrollmentView(courseId, existing), created: false };
    }
    assertWindowOpen(outline);
    if (outline.enrollment === 'closed') throw progressErrors.enrollmentClosed();
    let redeemed: string | undefined;
    if (outline.enrollment === 'invite') {
      if (inviteCode === undefined || inviteCode === '') throw progressErrors.inviteRequired();
      if (!(await this.courses.redeemInvite(courseId, inviteCode, user.id)))
        throw progressErrors.invalidInvite();
      redeemed = inviteCode;
    }
    const seat = await this.seats.submit({ userId: user.id, courseId, capacity: outline.capacity });
    if (redeemed !== undefined && !seat?.fresh) await this.courses.releaseInvite(courseId, redeemed, user.id);
    if (!seat) throw progressErrors.courseFull();
    return { enrollment: enrollmentView(courseId, seat.enrolledAt), created: seat.fresh };
  }

  /** How many seats a published course has left, for anyone deciding whether to enrol. */
  async seatCount(courseId: number): Promise<SeatsView> {
    const outline = await this.courses.outline(courseId);
    if (!outline?.published) throw progressErrors.courseNotFound(courseId);
    const taken = await this.repository.seatsTaken(courseId);
    const left = outline.capacity === null ? null : Math.max(0, outline.capacity - taken);
    return { course_id: courseId, capacity: outline.capacity, taken, left };
  }

  /** Leaves the course and frees the seat; 204 also when the learner was not enrolled. */
  async unenroll(user: AuthUser, courseId: number): Promise<void> {
    if (await this.repository.unenroll(user.id, courseId)) return;
    const outline = await this.courses.outline(courseId);
    if (!outline || !canSee(user, outline)) throw progressErrors.courseNotFound(courseId);
  }

  /** The roster page with e-mails from auth (owner or admin); X-Total-Count is `total`. */
  async roster(
    user: AuthUser,
    courseId: number,
    page: Page,
  ): Promise<{ items: RosterEntry[]; total: number }> {
    const outline = await this.ownedOutline(user, courseId);
    return this.rosterPage(outline, page);
  }

  /** The whole roster as CSV, read a page at a time. */
  async rosterCsv(user: AuthUser, courseId: number): Promise<string> {
    const outline = await this.ownedOutline(user, courseId);
    const lines = [csvColumns.join(',')];
    for (let offset = 0; ; offset += rosterExportPage) {
      const { items } = await this.rosterPage(outline, { limit: rosterExportPage, offset });
      for (const entry of items) lines.push(csvColumns.map((column) => csvField(entry[column])).join(','));
      if (items.length < rosterExportPage) break;
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  /** The course's outline when the user owns it or is an admin: roster and analytics are theirs only. */
  async ownedOutline(user: AuthUser, courseId: number): Promise<CourseOutline> {
    const outline = await this.courses.outline(courseId);
    if (!outline || !canSee(user, outline)) throw progressErrors.courseNotFound(courseId);
    if (!isPrivileged(user, outline)) throw progressErrors.notCourseOwner();
    return outline;
  }

  private async rosterPage(
    outline: CourseOutline,
    page: Page,
  ): Promise<{ items: RosterEntry[]; total: number }> {
    const { rows, total } = await this.repository.rosterPage(outline.course_id, page);
    const userIds = rows.map((row) => row.userId);
    const [emails, counts] = await Promise.all([
      this.auth.emailsOf(userIds),
      this.repository.completedCounts(userIds, outline.lesson_ids),
    ]);
    const totalLessons = outline.lesson_ids.length;
    const items = rows.map((row) => {
      const completed = counts.get(row.userId) ?? 0;
      return {
        user_id: row.userId,
        email: emails.get(row.userId) ?? null,
        enrolled_at: row.enrolledAt.toISOString(),
        completed_lessons: completed,
        percent: totalLessons === 0 ? 0 : Math.floor((completed * 100) / totalLessons),
        last_completed_at: row.lastCompletedAt?.toISOString() ?? null,
      };
    });
    return { items, total };
  }

  /**
   * Un-completes a lesson. A recorded completion is removed without asking courses, so one of a lesson deleted
   * since can still go; otherwise the lesson must exist for the answer to be 204.
   */
  async uncomplete(user: AuthUser, lessonId: number): Promise<void> {
    if (await this.repository.deleteCompletion(user.id, lessonId)) return;
    await this.visibleLesson(user, lessonId);
  }

  async completions(user: AuthUser, page: Page): Promise<{ items: CompletionView[]; total: number }> {
    const { items, total } = await this.repository.completionsPage(user.id, page);
    return {
      items: items.map((item) => ({
        lesson_id: item.lessonId,
        completed_at: item.completedAt.toISOString(),
      })),
      total,
    };
  }

  async courseSummary(user: AuthUser, courseId: number): Promise<CourseSummary> {
    const outline = await this.courses.outline(courseId);
    if (!outline || !canSee(user, outline)) throw progressErrors.courseNotFound(courseId);
    const completions = await this.repository.completionsOfLessons(user.id, outline.lesson_ids);
    return summarize(outline, byLesson(completions));
  }

  /**
   * Summaries of the courses the user is enrolled in, newest enrolment first. Courses since deleted or hidden
   * are left out of the page; the total counts every enrolment.
   */
  async enrolledCourses(user: AuthUser, page: Page): Promise<{ items: CourseSummary[]; total: number }> {
    const { courseIds, total } = await this.repository.enrolledCoursesPage(user.id, page);
    const outlines = (await Promise.all(courseIds.map((courseId) => this.courses.outline(courseId)))).filter(
      (outline): outline is CourseOutline => outline !== null && canSee(user, outline),
    );
    const completions = byLesson(
      await this.repository.completionsOfLessons(
        user.id,
        outlines.flatMap((outline) => outline.lesson_ids),
      ),
    );
    return { items: outlines.map((outline) => summarize(outline, completions)), total };
  }

  private async visibleLesson(
    user: AuthUser,
    lessonId: number,
  ): Promise<{ lesson: LessonRef; outline: CourseOutline }> {
    const lesson = await this.courses.lesson(lessonId);
    if (!lesson) throw progressErrors.lessonNotFound(lessonId);
    const outline = await this.courses.outline(lesson.course_id);
    if (!outline || !canSee(user, outline)) throw progressErrors.lessonNotFound(lessonId);
    return { lesson, outline };
  }

  /**
   * A lesson the user may work on now: released, enrolled (auto-enrolled in an open course, as codERROR's
   * clients expect), and in a sequential course every earlier lesson completed. With `in-write`, a course that
   * anyone may join now without a seat limit is not asked about: `enrolInWrite` tells the caller to enrol the
   * learner in the completion's own transaction (no probe, no seat batch on the hot path).
   */
  private async workableLesson(
    user: AuthUser,
    lessonId: number,
    enrolment: 'now' | 'in-write',
    known?: KnownForBatch,
  ): Promise<{ lesson: LessonRef; outline: CourseOutline; enrolInWrite: boolean }> {
    const found = await this.visibleLesson(user, lessonId);
    const { outline } = found;
    if (isPrivileged(user, outline)) return { ...found, enrolInWrite: false };
    const position = outline.lessons.findIndex((item) => item.id === lessonId);
    const opensAt = outline.lessons[position]?.available_from;
    if (opensAt && Date.parse(opensAt) > Date.now()) throw progressErrors.notAvailableYet(opensAt);
    const enrolInWrite = enrolment === 'in-write' && freelyOpen(outline);
    if (!enrolInWrite && !(await this.isEnrolled(user.id, outline.course_id, known?.enrolled))) {
      await this.autoEnroll(user, outline);
    }
    if (outline.sequential && position > 0) {
      const earlier = lessonsBefore(outline, lessonId);
      let completed = known?.completed ?? (await this.completedOf(user.id, earlier));
      // The batch read the earlier lessons of the outline it saw; before refusing, ask about this learner alone
      // against this outline, in case the course's order changed in between.
      if (known && earlier.some((id) => !completed.has(user.id, id))) {
        completed = await this.completedOf(user.id, earlier);
      }
      const missing = earlier.find((id) => !completed.has(user.id, id));
      if (missing !== undefined) throw progressErrors.lessonLocked(missing);
    }
    return { ...found, enrolInWrite };
  }

  private async completedOf(userId: number, lessonIds: readonly number[]): Promise<CompletedPairs> {
    const done = byLesson(await this.repository.completionsOfLessons(userId, lessonIds));
    return { has: (user, lessonId) => user === userId && done.has(lessonId) };
  }

  /** From the batch's enrolments when read already (an enrolment since then is found by the seat batch). */
  private async isEnrolled(userId: number, courseId: number, known?: EnrolledPairs): Promise<boolean> {
    if (known) return known.has(userId, courseId);
    return (await this.repository.enrollment(userId, courseId)) !== null;
  }

  private async autoEnroll(user: AuthUser, outline: CourseOutline): Promise<void> {
    if (outline.enrollment !== 'open' || !outline.published) throw progressErrors.notEnrolled();
    assertWindowOpen(outline);
    const seat = await this.seats.submit({
      userId: user.id,
      courseId: outline.course_id,
      capacity: outline.capacity,
    });
    if (!seat) throw progressErrors.courseFull();
  }
}
