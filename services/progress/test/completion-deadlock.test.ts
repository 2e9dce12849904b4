/**
 * A learner's seat batch (locks the course's seat row, then enrols) and their first completion of a freely open
 * course (enrols, then counts the seat) can each wait for the other. Played here step by step on two sessions of
 * a real PostgreSQL: the completion must still be written, and the learner counted once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressRepository } from '../src/progress.repository.js';
import { newUserId, startHarness, type Harness } from './harness.js';

const databaseUrl = process.env.DATABASE_URL;

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
}, 60_000);

afterAll(async () => {
  await harness.close();
});

describe.skipIf(!databaseUrl)('a completion and a seat batch of the same learner at once', () => {
  it('when each waits for the other, then the completion is written and the learner holds one seat', async () => {
    const repository = new ProgressRepository(harness.infrastructure.database);
    const courseId = newUserId();
    const userId = newUserId();
    const seatBatch = new pg.Client({ connectionString: databaseUrl });
    const observer = new pg.Client({ connectionString: databaseUrl });
    await Promise.all([seatBatch.connect(), observer.connect()]);
    try {
      // The seat batch holds the course's seat row…
      await seatBatch.query('begin');
      await seatBatch.query(
        `insert into progress.course_seats as seats (course_id, taken) values ($1, 0)
         on conflict (course_id) do update set taken = seats.taken`,
        [courseId],
      );
      const { rows } = await seatBatch.query<{ pid: number }>('select pg_backend_pid() as pid');
      // …the completion enrols the learner and waits for that row…
      const written = repository.insertCompletions([
        { userId, lessonId: newUserId(), courseId, totalLessons: 5, enrol: true },
      ]);
      await (async () => {
        for (let tries = 0; tries < 200; tries += 1) {
          const waiting = await observer.query<{ pid: number }>(
            `select pid from pg_stat_activity
             where wait_event_type = 'Lock' and query like '%progress.enrollments%' and pid <> $1`,
            [rows[0]?.pid],
          );
          if (waiting.rows[0]) return;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new Error('the completion never waited for the seat row');
      })();
      // …and the seat batch enrols the same learner: each now waits for the other.
      const enrolled = seatBatch
        .query(
          `insert into progress.enrollments (course_id, user_id, enrolled_at) values ($1, $2, now())
           on conflict do nothing returning user_id`,
          [courseId, userId],
        )
        .then(
          async (result) => {
            await seatBatch.query(
              'update progress.course_seats set taken = taken + $2 where course_id = $1',
              [courseId, result.rowCount ?? 0],
            );
            await seatBatch.query('commit');
          },
          async (error: unknown) => {
            await seatBatch.query('rollback');
            throw error;
          },
        );
      const outcomes = await Promise.allSettled([written, enrolled]);

      // Whichever PostgreSQL ended, the completion is recorded and the learner holds exactly one seat.
      expect(outcomes[0].status).toBe('fulfilled');
      const recorded = await observer.query('select 1 from progress.progress where user_id = $1', [userId]);
      expect(recorded.rowCount).toBe(1);
      const seats = await observer.query<{ taken: number }>(
        'select taken from progress.course_seats where course_id = $1',
        [courseId],
      );
      const members = await observer.query(
        'select 1 from progress.enrollments where course_id = $1 and user_id = $2',
        [courseId, userId],
      );
      expect(members.rowCount).toBe(1);
      expect(seats.rows[0]?.taken).toBe(1);
    } finally {
      await Promise.all([seatBatch.end(), observer.end()]);
    }
  }, 60_000);
});
