import type { ReleaseSchedule } from './courses.repository.js';

export interface ReleasePhase {
  /** How many distinct release instants have passed: part of the cache key of what learners see. */
  phase: number;
  /** The latest passed instant (epoch ms); lessons opening later are withheld. -Infinity: none passed. */
  releasedUntil: number;
}

function instants(schedule: ReleaseSchedule | null): number[] {
  return schedule ? [...new Set(schedule.releases.values())].sort((a, b) => a - b) : [];
}

/** The same for every replica at the same instant: it depends only on the schedule and the clock. */
export function releasePhase(schedule: ReleaseSchedule | null, now: number): ReleasePhase {
  const passed = instants(schedule).filter((instant) => instant <= now);
  return { phase: passed.length, releasedUntil: passed.at(-1) ?? -Infinity };
}

/** The next instant a lesson opens, if any: what learners see changes then. */
export function nextRelease(schedule: ReleaseSchedule | null, now: number): number | undefined {
  return instants(schedule).find((instant) => instant > now);
}

/**
 * Cache-Control for shared bytes that change at `validUntil`. nginx keeps a copy for up to its own validity
 * (publicMaxAgeSeconds, counted in whole seconds, so one more) and ignores max-age; so close to a release the
 * answer is `no-cache`, which nginx never stores, and before that the stale window never reaches past it.
 */
export function releaseBoundedCaching(
  publicMaxAgeSeconds: number,
  validUntil: number | undefined,
  now: number,
): { maxAgeSeconds: number; staleSeconds?: number } {
  if (validUntil === undefined) return { maxAgeSeconds: publicMaxAgeSeconds };
  const secondsLeft = Math.floor((validUntil - now) / 1000);
  const margin = publicMaxAgeSeconds + 2;
  if (secondsLeft <= margin) return { maxAgeSeconds: 0 };
  return { maxAgeSeconds: publicMaxAgeSeconds, staleSeconds: Math.min(30, secondsLeft - margin) };
}
