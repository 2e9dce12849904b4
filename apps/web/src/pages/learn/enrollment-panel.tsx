import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import type { CourseDetail } from '../../api/api.types';
import { ApiError } from '../../api/http';
import { enroll, getCourseSeats, unenroll } from '../../api/progress.api';
import { loginPath, useAuth } from '../../auth/auth';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorMessage } from '../../components/error-message';
import { useI18n } from '../../i18n/i18n';
import { enrollmentBlock, type EnrollmentBlock } from '../../lib/enrollment';
import { useResource } from '../../lib/use-resource';

interface EnrollmentPanelProps {
  course: CourseDetail;
  /** Null while unknown (signed out, or still loading). */
  enrolled: boolean | null;
  /** The code from an invite link (`?invite=`), if the page was opened through one. */
  inviteCode: string | null;
  onChange: () => void;
}

function useBlockText(): (block: EnrollmentBlock) => string {
  const { t, formatDateTime } = useI18n();
  return (block) => {
    switch (block.reason) {
      case 'closed':
        return t.enrollment.closed;
      case 'invite_required':
        return t.enrollment.inviteRequired;
      case 'not_open_yet':
        return t.enrollment.notOpenYet(formatDateTime(block.opensAt));
      case 'window_closed':
        return t.enrollment.windowClosed(formatDateTime(block.closedAt));
    }
  };
}

/** Seats, the enrolment window and whether (and why not) the reader can enrol; enrol and unenrol. */
export function EnrollmentPanel({ course, enrolled, inviteCode, onChange }: EnrollmentPanelProps) {
  const { t, formatDateTime } = useI18n();
  const { user } = useAuth();
  const [pathname] = useLocation();
  const search = useSearch();
  const [, navigate] = useLocation();
  const id = useId();
  const blockText = useBlockText();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const triedInvite = useRef(false);

  // Seats are counted by progress; a draft (seen by its owner) has none to count yet.
  const limited = course.capacity !== null && course.published;
  const seats = useResource(
    (signal) => (limited ? getCourseSeats(course.id, signal) : Promise.resolve(null)),
    [course.id, course.capacity, limited],
  );
  const left = seats.data?.left ?? null;
  const full = left === 0 && enrolled !== true;

  const block = enrollmentBlock(course, inviteCode !== null);

  const join = (): void => {
    if (pending) return;
    setPending(true);
    setError(undefined);
    enroll(course.id, inviteCode ?? undefined)
      .then(() => {
        setStatus(t.enrollment.enrolledNow);
        seats.reload();
        // The invite is used: a reload or a shared address should not carry it again.
        if (inviteCode !== null) navigate(pathname, { replace: true });
        onChange();
      })
      .catch((reason: unknown) => {
        setError(reason);
        // A refusal such as course_full means the count the reader saw is stale.
        seats.reload();
      })
      .finally(() => setPending(false));
  };

  const leave = (): void => {
    setConfirming(false);
    if (pending) return;
    setPending(true);
    setError(undefined);
    unenroll(course.id)
      .then(() => {
        setStatus(t.enrollment.unenrolledNow);
        seats.reload();
        onChange();
      })
      .catch((reason: unknown) => setError(reason))
      .finally(() => setPending(false));
  };

  useEffect(() => {
    // Opening an invite link signed in is the request to enrol.
    if (user === null || enrolled !== false || inviteCode === null || triedInvite.current) return;
    triedInvite.current = true;
    join();
  });

  const refused = error instanceof ApiError && error.status !== 0 && error.status < 500;
  const reasonId = `${id}-reason`;
  const enrollmentWindow =
    course.enroll_closes_at !== null && block === null
      ? t.enrollment.closesOn(formatDateTime(course.enroll_closes_at))
      : null;

  return (
    <section
      className="panel stack-sm enrollment-panel"
      aria-labelledby={`${id}-heading`}
      data-testid="enrollment-panel"
    >
      <div className="section-head">
        <h2 id={`${id}-heading`} className="panel-title">
          {t.enrollment.heading}
        </h2>
        <span
          className={left === 0 ? 'badge badge-warning' : 'badge'}
          data-testid="enrollment-seats"
          data-seats-left={left ?? undefined}
        >
          {course.capacity === null
            ? t.enrollment.unlimited
            : left === null
              ? t.enrollment.seats(course.capacity)
              : left === 0
                ? t.seatsLeft.full(course.capacity)
                : t.seatsLeft.left(left, course.capacity)}
        </span>
      </div>

      {inviteCode !== null && enrolled !== true && (
        <p className="alert alert-info" data-testid="enrollment-invited">
          {t.enrollment.invited}
        </p>
      )}

      {enrolled === true ? (
        <div className="actions">
          <p className="completion-done" data-testid="enrollment-enrolled">
            <span className="check" aria-hidden="true">
              ✓
            </span>
            {t.enrollment.enrolled}
          </p>
          <button
            type="button"
            className="button button-secondary push-end"
            onClick={() => setConfirming(true)}
            aria-disabled={pending}
            data-testid="unenroll-button"
          >
            {t.enrollment.unenroll}
          </button>
        </div>
      ) : user === null ? (
        <div className="stack-sm">
          {block !== null && (
            <p className="muted" data-testid="enrollment-reason">
              {blockText(block)}
            </p>
          )}
          <p>
            <Link
              href={loginPath(pathname + (search === '' ? '' : `?${search}`))}
              className="button"
              data-testid="sign-in-to-enroll"
            >
              {inviteCode !== null ? t.enrollment.signInToAccept : t.enrollment.signInToEnroll}
            </Link>
          </p>
        </div>
      ) : (
        <div className="stack-sm">
          <div className="actions">
            <button
              type="button"
              className="button"
              onClick={() => {
                if (block === null && !full) join();
              }}
              aria-disabled={block !== null || full || pending}
              aria-describedby={block === null && !full ? undefined : reasonId}
              data-testid="enroll-button"
            >
              {pending ? t.enrollment.enrolling : t.enrollment.enroll}
            </button>
          </div>
          {block !== null ? (
            <p id={reasonId} className="muted" data-testid="enrollment-reason">
              {blockText(block)}
            </p>
          ) : (
            full && (
              <p id={reasonId} className="muted" data-testid="enrollment-reason">
                {t.seatsLeft.fullReason}
              </p>
            )
          )}
        </div>
      )}

      {enrollmentWindow !== null && enrolled !== true && <p className="muted">{enrollmentWindow}</p>}
      {course.sequential && <p className="muted">{t.enrollment.sequential}</p>}
      {error !== undefined && (
        <ErrorMessage error={error} testId={refused ? 'enrollment-refused' : 'error-message'} />
      )}
      <p className="visually-hidden" role="status" aria-atomic="true" data-testid="enrollment-status">
        {status}
      </p>
      <ConfirmDialog
        message={confirming ? t.enrollment.confirmUnenroll(course.title) : null}
        confirmLabel={t.enrollment.unenroll}
        onConfirm={leave}
        onCancel={() => setConfirming(false)}
      />
    </section>
  );
}
