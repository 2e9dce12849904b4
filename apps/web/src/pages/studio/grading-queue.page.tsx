import { useId, useState, type SubmitEvent } from 'react';
import { Link } from 'wouter';
import {
  getAttempt,
  gradeEssay,
  listQuizAttempts,
  type AttemptDetail,
  type AttemptRow,
  type PaperQuestion,
} from '../../api/assessments.api';
import { getCourse } from '../../api/courses.api';
import { listRoster } from '../../api/progress.api';
import { StudioCourseFallback } from '../../components/course-fallback';
import { useDocumentTitle } from '../../components/document-title';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { Field, NumberField } from '../../components/field';
import { Loading } from '../../components/loading';
import { StatusMessage, useStatus } from '../../components/status-message';
import { useI18n } from '../../i18n/i18n';
import { useAction } from '../../lib/use-action';
import { useResource } from '../../lib/use-resource';
import { MarkdownView } from '../../markdown/markdown-view';

const PAGE_SIZE = 10;
const ROSTER_PAGE = 200;
const ROSTER_PAGES_AT_MOST = 10;

interface QueuedAttempt {
  row: AttemptRow;
  attempt: AttemptDetail;
  /** null when the learner is not (or no longer) on the roster. */
  email: string | null;
}

interface Queue {
  items: QueuedAttempt[];
  total: number;
}

/** The learners' e-mails from the course roster (assessments knows only user ids), read until all are found. */
async function learnerEmails(
  courseId: number,
  userIds: ReadonlySet<number>,
  signal: AbortSignal,
): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (let page = 0; page < ROSTER_PAGES_AT_MOST && found.size < userIds.size; page += 1) {
    const roster = await listRoster(courseId, ROSTER_PAGE, page * ROSTER_PAGE, signal);
    for (const entry of roster.items) {
      if (userIds.has(entry.user_id) && entry.email !== null) found.set(entry.user_id, entry.email);
    }
    if (roster.items.length < ROSTER_PAGE) break;
  }
  return found;
}

async function loadQueue(courseId: number, lessonId: number, signal: AbortSignal): Promise<Queue> {
  const page = await listQuizAttempts(
    lessonId,
    { status: 'needs_grading', limit: PAGE_SIZE, offset: 0 },
    signal,
  );
  const [attempts, emails] = await Promise.all([
    Promise.all(page.items.map((row) => getAttempt(row.id, signal))),
    learnerEmails(courseId, new Set(page.items.map((row) => row.user_id)), signal),
  ]);
  return {
    total: page.total ?? page.items.length,
    items: page.items.flatMap((row, index) => {
      const attempt = attempts[index];
      return attempt === undefined ? [] : [{ row, attempt, email: emails.get(row.user_id) ?? null }];
    }),
  };
}

interface EssayGradeFormProps {
  attempt: AttemptDetail;
  question: PaperQuestion;
  number: number;
  onGraded: (attempt: AttemptDetail) => void;
}

function EssayGradeForm({ attempt, question, number, onGraded }: EssayGradeFormProps) {
  const { t } = useI18n();
  const g = t.quizStudio;
  const id = useId();
  const result = attempt.results?.find((each) => each.id === question.id);
  const answer = attempt.responses.find((each) => each.question_id === question.id)?.text ?? '';
  const [points, setPoints] = useState(
    result?.points === null || result === undefined ? '' : String(result.points),
  );
  const [comment, setComment] = useState(result?.comment ?? '');
  const { pending, error, run } = useAction();

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const trimmed = comment.trim();
    run(async () => {
      const graded = await gradeEssay(attempt.id, {
        question_id: question.id,
        points: points.trim() === '' ? Number.NaN : Number(points),
        ...(trimmed === '' ? {} : { comment: trimmed }),
      });
      onGraded(graded);
    });
  };

  return (
    <section className="essay-grade stack" aria-labelledby={`${id}-heading`} data-testid="essay">
      <h3 id={`${id}-heading`}>{g.essayHeading(number, question.points)}</h3>
      <MarkdownView source={question.text} className="essay-question" testId="essay-question" />
      <div className="essay-answer" aria-labelledby={`${id}-answer`} role="group">
        <p id={`${id}-answer`} className="label">
          {g.answer}
        </p>
        {answer.trim() === '' ? (
          <p className="muted">{g.noAnswer}</p>
        ) : (
          <MarkdownView source={answer} testId="essay-answer" />
        )}
      </div>
      {result?.points !== null && result?.points !== undefined && (
        <p className="muted" data-testid="essay-graded">
          {g.gradedPoints(result.points, question.points)}
        </p>
      )}
      <form className="stack" onSubmit={submit} aria-busy={pending} aria-labelledby={`${id}-heading`}>
        <div className="form-grid">
          <NumberField
            id={`${id}-points`}
            label={g.pointsOf(question.points)}
            error={fieldError(error, 'points')}
            min={0}
            max={question.points}
            step="any"
            required
            value={points}
            onChange={setPoints}
            testId="essay-points"
          />
        </div>
        <Field id={`${id}-comment`} label={g.comment} error={fieldError(error, 'comment')}>
          {(control) => (
            <textarea
              {...control}
              className="input"
              rows={3}
              maxLength={10_000}
              value={comment}
              onChange={(event) => setComment(event.target.value)}
              data-testid="essay-comment"
            />
          )}
        </Field>
        {error !== undefined && <ErrorMessage error={error} testId="grade-error" />}
        <div>
          <button type="submit" className="button" disabled={pending} data-testid="essay-save">
            {pending ? t.common.saving : g.saveGrade}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The attempts of one quiz that wait for an essay to be graded by hand, oldest first. */
export function GradingQueuePage({ courseId, lessonId }: { courseId: number; lessonId: number }) {
  const { t, formatDateTime } = useI18n();
  const g = t.quizStudio;
  const course = useResource((signal) => getCourse(courseId, 'required', signal, true), [courseId]);
  const queue = useResource((signal) => loadQueue(courseId, lessonId, signal), [courseId, lessonId]);
  const [status, showStatus] = useStatus();
  const lesson = course.data?.lessons.find((each) => each.id === lessonId);
  useDocumentTitle(lesson === undefined ? g.gradingHeading : g.gradingTitle(lesson.title));

  if (course.data === undefined) {
    return <StudioCourseFallback error={course.error} onRetry={course.reload} />;
  }

  const learner = (item: QueuedAttempt): string => item.email ?? g.learnerNumber(item.row.user_id);

  const graded = (item: QueuedAttempt) => (attempt: AttemptDetail) => {
    if (attempt.status !== 'needs_grading') {
      showStatus(g.attemptGraded(learner(item), attempt.percent ?? 0, attempt.passed === true));
      queue.setData((current) => {
        if (current === undefined) return current;
        const items = current.items.filter((each) => each.row.id !== attempt.id);
        return { items, total: current.total - 1 };
      });
      if (queue.data !== undefined && queue.data.items.length === 1 && queue.data.total > 1) queue.reload();
      return;
    }
    showStatus(g.gradeSaved);
    queue.setData((current) =>
      current === undefined
        ? current
        : {
            ...current,
            items: current.items.map((each) => (each.row.id === attempt.id ? { ...each, attempt } : each)),
          },
    );
  };

  return (
    <div className="stack-lg grading-queue">
      <p className="actions">
        <Link href={`/studio/courses/${courseId}`} className="back-link" data-testid="grading-back">
          <span aria-hidden="true">← </span>
          {course.data.title}
        </Link>
        {lesson !== undefined && (
          <Link
            href={`/studio/courses/${courseId}/quizzes/${lessonId}`}
            className="back-link push-end"
            data-testid="grading-editor-link"
          >
            {g.editQuizShort}
          </Link>
        )}
      </p>
      <h1 data-testid="grading-heading">
        {lesson === undefined ? g.gradingHeading : g.gradingTitle(lesson.title)}
      </h1>
      {queue.error !== undefined && <ErrorMessage error={queue.error} onRetry={queue.reload} />}
      {queue.data === undefined ? (
        queue.loading && <Loading />
      ) : queue.data.items.length === 0 ? (
        <p className="empty" data-testid="grading-empty">
          {g.queueEmpty}
        </p>
      ) : (
        <>
          <p className="muted" data-testid="grading-count">
            {g.queueCount(queue.data.total)}
          </p>
          <ol className="grading-list">
            {queue.data.items.map((item) => {
              const essays = item.attempt.questions.filter((question) => question.kind === 'essay');
              const headingId = `attempt-${item.row.id}-heading`;
              return (
                <li key={item.row.id}>
                  <article
                    className="panel stack"
                    aria-labelledby={headingId}
                    data-testid="grading-attempt"
                    data-attempt-id={item.row.id}
                  >
                    <h2 id={headingId} className="grading-learner" data-testid="grading-learner">
                      {g.attemptHeading(learner(item), item.row.number)}
                    </h2>
                    <p className="row-meta">
                      {item.row.submitted_at !== null && (
                        <span>{g.submittedAt(formatDateTime(item.row.submitted_at))}</span>
                      )}
                      {item.row.max_score !== null && (
                        <span>{g.autoScore(item.row.score ?? 0, item.row.max_score)}</span>
                      )}
                    </p>
                    {essays.map((question, index) => (
                      <EssayGradeForm
                        key={question.id}
                        attempt={item.attempt}
                        question={question}
                        number={index + 1}
                        onGraded={graded(item)}
                      />
                    ))}
                  </article>
                </li>
              );
            })}
          </ol>
        </>
      )}
      <StatusMessage message={status} />
    </div>
  );
}
