import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registry, type HttpApp, type Infrastructure } from '@lectern/kit';
import {
  postgresBinaries,
  startStreamingCluster,
  testConfig,
  unique,
  type StreamingCluster,
} from '@lectern/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../src/app.js';
import { platformConfigSchema } from '../src/config.js';

async function replicaQueries(): Promise<number> {
  const { values } = (await registry.getSingleMetric('db_queries_total')?.get()) ?? { values: [] };
  return values
    .filter((sample) => sample.labels.pool === 'replica')
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** How many queries the replica answered while `run` ran (the platforms below share this process's registry). */
async function onReplica<T>(run: () => Promise<T>): Promise<{ result: T; replica: number }> {
  const before = await replicaQueries();
  const result = await run();
  return { result, replica: (await replicaQueries()) - before };
}

/** Long enough for each paused phase below; the read-your-writes window is this plus two checks. */
const maxLagMs = 8000;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(postgresBinaries() && process.env.REDIS_URL)(
  'two platform replicas reading through a paused streaming replica',
  () => {
    let cluster: StreamingCluster;
    const platforms: { app: HttpApp; infrastructure: Infrastructure }[] = [];
    const adminEmail = `${unique('admin')}@example.com`;
    const tokens: Record<'admin' | 'writer' | 'reader', string> = { admin: '', writer: '', reader: '' };
    let courseId = 0;
    let lessonIds: number[] = [];

    const first = () => platforms[0]?.app as HttpApp;
    const second = () => platforms[1]?.app as HttpApp;
    const as = (who: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[who]}` });

    async function signIn(email: string, password: string): Promise<string> {
      const login = await first().inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email, password },
      });
      expect(login.statusCode).toBe(200);
      return login.json<{ access_token: string }>().access_token;
    }

    beforeAll(async () => {
      cluster = await startStreamingCluster();
      const cachePrefix = unique('replica');
      // One signing key for both, as replicas of one deployment share it.
      const dataDir = mkdtempSync(join(tmpdir(), 'lectern-replicas-'));
      for (let index = 0; index < 2; index += 1) {
        const config = testConfig(platformConfigSchema, {
          DATABASE_URL: cluster.primaryUrl,
          DATABASE_READ_URL: cluster.replicaUrl,
          // A paused replica stays "close enough" for each test, so the routing, not the skip, is seen.
          DB_REPLICA_MAX_LAG_MS: String(maxLagMs),
          DB_REPLICA_CHECK_MS: '100',
          CACHE_PREFIX: cachePrefix,
          DATA_DIR: dataDir,
          WEB_ROOT: mkdtempSync(join(tmpdir(), 'lectern-web-')),
          DEMO_DATA: 'false',
          ADMIN_EMAIL: adminEmail,
          ADMIN_PASSWORD: 'admin-password-1',
          PASSWORD_HASH_MEMORY_KIB: '1024',
          PASSWORD_HASH_TIME_COST: '1',
        });
        const platform = await buildPlatform(config, { logger: false });
        platforms.push(platform);
        await platform.app.ready();
      }

      tokens.admin = await signIn(adminEmail, 'admin-password-1');
      for (const who of ['writer', 'reader'] as const) {
        const email = `${unique(who)}@example.com`;
        await first().inject({
          method: 'POST',
          url: '/api/auth/register',
          payload: { email, password: 'student-password-1' },
        });
        tokens[who] = await signIn(email, 'student-password-1');
      }
      const course = await first().inject({
        method: 'POST',
        url: '/api/courses',
        headers: as('admin'),
        payload: { title: unique('replicated'), published: true },
      });
      courseId = course.json<{ id: number }>().id;
      for (const title of ['one', 'two']) {
        const lesson = await first().inject({
          method: 'POST',
          url: `/api/courses/${courseId}/lessons`,
          headers: as('admin'),
          payload: { title, content: title },
        });
        lessonIds.push(lesson.json<{ id: number }>().id);
      }
      await cluster.caughtUp();
      for (const { infrastructure } of platforms) {
        await until(
          () => infrastructure.database.replicaStatus()?.usable === true,
          'the replica to be in use',
        );
      }
    }, 180_000);

    afterAll(async () => {
      await Promise.all(platforms.map(({ app }) => app.close()));
      await cluster.close();
      lessonIds = [];
    });

    it('when nobody has written lately, then catalog pages and a reader’s progress come from the replica', async () => {
      // The setup's course writes keep catalog reads on the primary for one read-your-writes window.
      await new Promise((resolve) => setTimeout(resolve, maxLagMs + 500));
      const catalog = await onReplica(() =>
        second().inject({ method: 'GET', url: `/api/courses/${courseId}` }),
      );
      expect(catalog.result.statusCode).toBe(200);
      expect(catalog.replica).toBeGreaterThan(0);
      const mine = await onReplica(() =>
        second().inject({ method: 'GET', url: '/api/progress/my', headers: as('reader') }),
      );
      expect(mine.result.statusCode, mine.result.body).toBe(200);
      expect(mine.result.json()).toEqual([]);
      expect(mine.replica).toBeGreaterThan(0);
    });

    it('when replay is paused, then a completion shows at once in /my and the summary, on the other replica too', async () => {
      await cluster.pauseReplay();
      try {
        const [lessonId] = lessonIds;
        const completed = await first().inject({
          method: 'POST',
          url: `/api/progress/${lessonId}/complete`,
          headers: as('writer'),
        });
        expect(completed.statusCode).toBe(200);

        const stale = await cluster.onReplica(
          `select count(*)::int as n from progress.progress where lesson_id = ${lessonId}`,
        );
        expect(stale.rows).toEqual([{ n: 0 }]);

        const mine = await onReplica(() =>
          second().inject({ method: 'GET', url: '/api/progress/my', headers: as('writer') }),
        );
        expect(mine.result.statusCode, mine.result.body).toBe(200);
        expect(mine.result.json<{ lesson_id: number }[]>().map((item) => item.lesson_id)).toEqual([lessonId]);
        expect(mine.replica).toBe(0);
        const summary = await onReplica(() =>
          second().inject({ method: 'GET', url: `/api/progress/courses/${courseId}`, headers: as('writer') }),
        );
        expect(summary.result.json()).toMatchObject({ completed_lessons: 1, total_lessons: 2, percent: 50 });
        expect(summary.replica).toBe(0);

        const reader = await onReplica(() =>
          second().inject({ method: 'GET', url: `/api/progress/courses/${courseId}`, headers: as('reader') }),
        );
        expect(reader.result.json()).toMatchObject({ completed_lessons: 0 });
        expect(reader.replica).toBeGreaterThan(0);
      } finally {
        await cluster.resumeReplay();
      }
    });

    it('when a course is written while replay is paused, then catalog reads on either replica see it', async () => {
      await cluster.pauseReplay();
      try {
        const title = unique('fresh');
        const created = await first().inject({
          method: 'POST',
          url: '/api/courses',
          headers: as('admin'),
          payload: { title, published: true },
        });
        expect(created.statusCode).toBe(201);
        const listed = await onReplica(() =>
          second().inject({ method: 'GET', url: `/api/courses?q=${title}` }),
        );
        expect(listed.result.json<{ title: string }[]>().map((course) => course.title)).toEqual([title]);
        expect(listed.replica).toBe(0);
      } finally {
        await cluster.resumeReplay();
      }
    });
  },
);
