/**
 * The server's clock as seen from the browser. A quiz's deadline is the server's, and a learner's computer clock may
 * be minutes off; every answer from the server tells what time the server had, so the countdown runs on
 * `Date.now() + offset`, never on the browser's clock alone.
 */

export interface ClockSample {
  /** `Date.now()` just before the request was sent. */
  sentAt: number;
  /** `Date.now()` when the answer arrived. */
  receivedAt: number;
  /** The response's `Date` header (whole seconds), if any. */
  date?: string | null;
  /** An instant the server wrote into the body while answering (e.g. `saved_at`), to the millisecond. */
  serverInstant?: string | null;
}

export interface ClockEstimate {
  /** How far the server's clock is ahead of this browser's, in ms. */
  offsetMs: number;
  /** How wrong that can be, in ms: half the round trip, plus half a second for a `Date` header. */
  errorMs: number;
}

/** The offset one response gives, or null when it carries no usable time. */
export function estimateOffset(sample: ClockSample): ClockEstimate | null {
  const roundTrip = Math.max(0, sample.receivedAt - sample.sentAt);
  const middle = sample.sentAt + roundTrip / 2;
  const instant = sample.serverInstant == null ? Number.NaN : Date.parse(sample.serverInstant);
  if (!Number.isNaN(instant)) return { offsetMs: instant - middle, errorMs: roundTrip / 2 };
  const date = sample.date == null ? Number.NaN : Date.parse(sample.date);
  // The header is truncated to the second: the server's time was somewhere in [date, date + 1 s).
  if (!Number.isNaN(date)) return { offsetMs: date + 500 - middle, errorMs: roundTrip / 2 + 500 };
  return null;
}

/** Keeps the most precise estimate seen; a later one replaces it only when it is at least as precise. */
export function betterEstimate(
  current: ClockEstimate | null,
  next: ClockEstimate | null,
): ClockEstimate | null {
  if (next === null) return current;
  if (current === null || next.errorMs <= current.errorMs) return next;
  return current;
}

/** `m:ss`, or `h:mm:ss` from an hour up; never negative. */
export function formatTimeLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Seconds left at which a screen reader hears the time: whole quarters of an hour, then 10, 5, 2, 1 min, 30 s, 10 s. */
const MILESTONES = [600, 300, 120, 60, 30, 10];

/**
 * The milestone (seconds left) crossed between two ticks, if any: the polite announcement to make now. Crossing
 * several at once (a sleeping laptop) announces only the last.
 */
export function milestoneCrossed(previousSeconds: number, currentSeconds: number): number | null {
  if (currentSeconds >= previousSeconds) return null;
  let crossed: number | null = null;
  for (let quarter = Math.floor(previousSeconds / 900) * 900; quarter > 600; quarter -= 900) {
    if (quarter < previousSeconds && quarter >= currentSeconds) crossed = quarter;
  }
  for (const milestone of MILESTONES) {
    if (milestone < previousSeconds && milestone >= currentSeconds) crossed = milestone;
  }
  return crossed;
}
