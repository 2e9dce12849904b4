// The cluster's promises, checked through real nginx in front of real replicas (scripts/cluster.ts): the catalog
// cache answers and stays within its staleness bound, replicas share the load, a killed or restarted replica
// costs no failed read and no acknowledged write, and a spoofed X-Forwarded-For does not escape the login limit.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { services, startCluster, type Cluster } from '../../scripts/cluster.js';
import {
  arrayBody,
  expectStatus,
  field,
  http,
  login,
  newStudent,
  numberField,
  randomIpv4,
  rawGet,
  scrapeCounter,
  sleep,
  stringField,
  uniqueName,
  until,
  type HttpResult,
} from './support/cluster-http.js';
import { Load, ReplicaLogs } from './support/cluster-load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const password = 'cluster-test-password-1';

/** `npm test` builds first; a bare `vitest run` of this file builds the back end itself when it is missing. */
function ensureBackendBuilt(): void {
  const entryPoints = [
    ...services.map((service) => `services/${service}/dist/server.js`),
    'apps/platform/dist/migrate.js',
  ];
  if (entryPoints.every((file) => existsSync(join(root, file)))) return;
  execFileSync(process.execPath, ['scripts/build.mjs', '--backend'], { cwd: root, stdio: 'inherit' });
}

interface Running {
  cluster: Cluster;
  logs: ReplicaLogs;
}

/** A two-replica cluster on random high ports (another attempt on new ports if nginx could not bind). */
async function startTestCluster(env: Record<string, string>): Promise<Running> {
  if (!databaseUrl || !redisUrl) throw new Error('DATABASE_URL and REDIS_URL are required');
  ensureBackendBuilt();
  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const logs = new ReplicaLogs();
    const startedAt = Date.now();
    try {
      const cluster = await startCluster({
        databaseUrl,
        redisUrl,
        root,
        replicas: 2,
        port,
        internalPort: port + 1,
        basePort: port + 2,
        cacheValidSeconds: 1,
        env,
        output: logs.output,
      });
      console.info(`cluster on port ${port} started in ${Date.now() - startedAt} ms`);
      return { cluster, logs };
    } catch (error) {
      lastError = error;
      console.error(`cluster start failed on port ${port}:`, error, `\n${logs.dump()}`);
    }
  }
  throw lastError;
}

function cacheStatus(result: HttpResult): string | null {
  return result.headers.get('x-cache-status');
}

function expectOk(result: HttpResult, what: string): void {
  if (result.status < 200 || result.status > 299) {
    throw new Error(
      `${what}: ${result.status} (request ${result.headers.get('x-request-id') ?? '?'}) ${result.text.slice(0, 200)}`,
    );
  }
}

interface Visibility {
  /** From the write's acknowledgement to the first poll that saw it. */
  seenAfterMs: number;
  /** From the acknowledgement to the last poll that still did not: the staleness readers got. */
  staleUntilMs: number;
}

/**
 * Polls an anonymous path every 50 ms (at most 4 s) until `visible`. Times are taken when each poll was sent,
 * so a slow answer on a loaded machine does not count as staleness.
 */
async function pollUntilVisible(
  url: string,
  path: string,
  acknowledgedAt: number,
  visible: (result: HttpResult) => boolean,
): Promise<Visibility> {
  let staleUntilMs = 0;
  for (let poll = 0; poll < 80; poll += 1) {
    const result = await http(url, path, { timeoutMs: 2000 });
    expect(result.status).toBe(200);
    if (visible(result)) return { seenAfterMs: result.sentAt - acknowledgedAt, staleUntilMs };
    staleUntilMs = result.sentAt - acknowledgedAt;
    await sleep(50);
  }
  return { seenAfterMs: Number.POSITIVE_INFINITY, staleUntilMs };
}

// A cluster is real PostgreSQL, Redis and nginx by definition. The embedded CI pass runs only the kit's tests
// without DATABASE_URL and REDIS_URL; every pass that has them runs this file.
describe.runIf(Boolean(databaseUrl && redisUrl))('the cluster behind nginx', () => {
  // Every test client reaches the services as 127.0.0.1 (nginx overwrites X-Forwarded-For), so every login of
  // this file counts against one per-IP bucket, shared through Redis by all replicas and clusters and kept for
  // a minute. This cluster keeps the default limit (10 a minute) and runs first; the other one raises it.
  describe('with the default login limits', () => {
    let running: Running | undefined;

    beforeAll(async () => {
      running = await startTestCluster({});
    });
    afterAll(async () => {
      await running?.cluster.stop();
    });
    beforeEach(({ onTestFailed }) => {
      onTestFailed(() => console.error(running?.logs.dump(running.cluster.runDir)));
    });

    it('when every wrong login carries a different X-Forwarded-For, then the 11th at the latest is 429 with Retry-After', async () => {
      const { cluster } = running ?? expect.unreachable('cluster not started');
      // A bucket left by a run less than a minute ago may already be full, so "the 11th at the latest, then
      // every later one": with the spoofed header believed, every request would get a fresh bucket instead.
      // A round during which the bucket's window ended (remaining went up) says nothing and is run again.
      for (let round = 0; round < 2; round += 1) {
        const answers: { status: number; remaining: number | null; retryAfter: string | null }[] = [];
        for (let attempt = 0; attempt < 11; attempt += 1) {
          const result = await http(cluster.url, '/api/auth/login', {
            method: 'POST',
            body: { email: `${uniqueName('nobody')}@example.com`, password: 'not-the-password-1' },
            headers: { 'x-forwarded-for': randomIpv4(), 'x-real-ip': randomIpv4() },
            timeoutMs: 15_000,
          });
          const remaining = result.headers.get('x-ratelimit-remaining');
          answers.push({
            status: result.status,
            remaining: remaining === null ? null : Number(remaining),
            retryAfter: result.headers.get('retry-after'),
          });
        }
        const unlimited = answers.filter((answer) => answer.status !== 429);
        const windowEnded = unlimited.some(
          (answer, index) => index > 0 && (answer.remaining ?? 0) > (unlimited[index - 1]?.remaining ?? 0),
        );
        if (windowEnded && round === 0) continue;

        const summary = JSON.stringify(answers);
        const firstLimited = answers.findIndex((answer) => answer.status === 429);
        expect(firstLimited, summary).toBeGreaterThanOrEqual(0);
        expect(
          answers.slice(0, firstLimited).map((answer) => answer.status),
          summary,
        ).toEqual(Array<number>(firstLimited).fill(401));
        for (const answer of answers.slice(firstLimited)) {
          expect(answer.status, summary).toBe(429);
          expect(answer.retryAfter, summary).toMatch(/^[1-9]\d*$/);
        }
        // One bucket for all of them: what is left goes down with every attempt, whatever the header said.
        const remainings = answers.slice(0, firstLimited).map((answer) => answer.remaining);
        for (let index = 1; index < remainings.length; index += 1) {
          expect(remainings[index], summary).toBeLessThan(remainings[index - 1] ?? 0);
        }
        return;
      }
    });
  });

  describe('with raised limits', () => {
    let running: Running | undefined;
    let adminToken = '';
    let readerToken = '';
    let readCourseId = 0;

    const cluster = (): Cluster => running?.cluster ?? expect.unreachable('cluster not started');

    async function createCourse(title: string): Promise<number> {
      const created = await expectStatus(cluster().url, '/api/courses', 201, {
        method: 'POST',
        token: adminToken,
        body: { title, description: 'made by deploy/test/cluster.test.ts' },
      });
      return numberField(created.body, 'id');
    }

    async function createLesson(courseId: number, title: string): Promise<number> {
      const created = await expectStatus(cluster().url, `/api/courses/${courseId}/lessons`, 201, {
        method: 'POST',
        token: adminToken,
        body: { title, content: `# ${title}\n\nSome text.` },
      });
      return numberField(created.body, 'id');
    }

    beforeAll(async () => {
      const adminEmail = `${uniqueName('cluster-admin')}@example.com`;
      running = await startTestCluster({
        RATE_LIMIT_MAX: '1000000',
        AUTH_RATE_LIMIT_MAX: '1000000',
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD: password,
      });
      adminToken = await login(cluster().url, adminEmail, password);
      readerToken = await newStudent(cluster().url, `${uniqueName('cluster-reader')}@example.com`, password);
      readCourseId = await createCourse(uniqueName('Cluster reads'));
      for (let lesson = 1; lesson <= 3; lesson += 1) await createLesson(readCourseId, `Lesson ${lesson}`);
    });
    afterAll(async () => {
      await running?.cluster.stop();
    });
    beforeEach(({ onTestFailed }) => {
      onTestFailed(() => console.error(running?.logs.dump(running.cluster.runDir)));
    });

    it('when an anonymous catalog page is asked for twice within the validity window, then the second is a HIT, and a request with Authorization never is', async () => {
      const { url } = cluster();
      // A fresh cache key per attempt; an attempt where the machine stalled the second request past the
      // validity window proves nothing and is made again.
      let hit = false;
      for (let attempt = 0; attempt < 3 && !hit; attempt += 1) {
        const path = `/api/courses?limit=${1 + Math.floor(Math.random() * 100)}&offset=${Math.floor(Math.random() * 100_000)}`;
        const first = await http(url, path);
        expect(first.status).toBe(200);
        const second = await http(url, path);
        expect(second.status).toBe(200);
        if (second.sentAt - first.receivedAt > 700) continue;
        expect(cacheStatus(second), `first: ${cacheStatus(first)}`).toBe('HIT');
        expect(second.text).toBe(first.text);
        hit = true;
      }
      expect(hit, 'every attempt stalled past the validity window').toBe(true);

      const path = `/api/courses?limit=${1 + Math.floor(Math.random() * 100)}&offset=${100_000 + Math.floor(Math.random() * 100_000)}`;
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const authorized = await http(url, path, { token: readerToken });
        expect(authorized.status).toBe(200);
        expect(cacheStatus(authorized)).not.toBe('HIT');
        expect([null, 'BYPASS']).toContain(cacheStatus(authorized));
      }
      // Nor was an answer to a request with Authorization stored for anonymous readers.
      const anonymous = await http(url, path);
      expect(cacheStatus(anonymous)).toBe('MISS');
    });

    // Compression (speed, issue 13).
    it('when curl-like clients ask for br, gzip or nothing, then each gets one coding, Vary, its own ETag and bytes that decompress to the identity body, cached by nginx per coding', async () => {
      const { url } = cluster();
      const marker = uniqueName('coded').replaceAll('-', '');
      for (let index = 0; index < 12; index += 1) {
        await createCourse(`Course ${marker} ${index}: ${'a subject worth a long title '.repeat(2)}`);
      }
      const codings = [
        { name: 'br', acceptEncoding: 'br', decode: brotliDecompressSync },
        { name: 'gzip', acceptEncoding: 'gzip', decode: gunzipSync },
        { name: 'identity', acceptEncoding: undefined, decode: (bytes: Buffer) => bytes },
      ] as const;
      const get = (path: string, acceptEncoding: string | undefined, extra: Record<string, string> = {}) =>
        rawGet(url, path, { ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}), ...extra });

      // A fresh key per attempt; an attempt where the machine stalled past the validity window is made again.
      let checked = false;
      for (let attempt = 0; attempt < 3 && !checked; attempt += 1) {
        const path = `/api/courses?q=${marker}&limit=${20 + attempt}`;
        const identityText = (await http(url, path, { token: readerToken })).text;
        expect(Buffer.byteLength(identityText)).toBeGreaterThan(1024);
        const etags = new Set<string>();
        let stalled = false;
        for (const coding of codings) {
          const startedAt = Date.now();
          const miss = await get(path, coding.acceptEncoding);
          const hit = await get(path, coding.acceptEncoding);
          if (Date.now() - startedAt > 700) stalled = true;
          for (const answer of [miss, hit]) {
            expect(answer.status).toBe(200);
            expect(answer.headers['content-encoding']).toBe(
              coding.name === 'identity' ? undefined : coding.name,
            );
            expect(answer.headers.vary).toBe('Authorization, Accept-Encoding');
            expect(coding.decode(answer.bytes).toString('utf8')).toBe(identityText);
            expect(Object.keys(answer.headers).filter((name) => name.includes('ratelimit'))).toEqual([]);
            expect(answer.headers['set-cookie']).toBeUndefined();
          }
          expect(miss.headers['x-cache-status']).toBe('MISS');
          if (!stalled) expect(hit.headers['x-cache-status']).toBe('HIT');
          expect(hit.headers.etag).toBe(miss.headers.etag);
          etags.add(String(hit.headers.etag));

          const notModified = await get(path, coding.acceptEncoding, {
            'if-none-match': String(hit.headers.etag),
          });
          expect(notModified.status).toBe(304);
        }
        expect(etags.size).toBe(3);
        // A browser's header in either order shares the brotli entry filled above.
        for (const acceptEncoding of ['gzip, deflate, br', 'br;q=1.0, gzip;q=0.8']) {
          const shared = await get(path, acceptEncoding);
          expect(shared.headers['content-encoding']).toBe('br');
          if (!stalled) expect(shared.headers['x-cache-status']).toBe('HIT');
        }

        // Uncached: a request with Authorization passes nginx to a replica, which sends its own compressed copy.
        for (const coding of codings) {
          const answer = await get(path, coding.acceptEncoding, { authorization: `Bearer ${readerToken}` });
          expect(answer.headers['x-cache-status']).toBe('BYPASS');
          expect(answer.headers['content-encoding']).toBe(
            coding.name === 'identity' ? undefined : coding.name,
          );
          expect(answer.headers.vary).toBe('Authorization, Accept-Encoding');
          expect(coding.decode(answer.bytes).toString('utf8')).toBe(identityText);
        }
        const lean = await get(path, 'br');
        expect(lean.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
        expect(lean.headers['cross-origin-opener-policy']).toBeUndefined();
        console.info(`an anonymous catalog answer's header block through nginx: ${lean.headerBytes} bytes`);
        checked = !stalled;
      }
      expect(checked, 'every attempt stalled past the validity window').toBe(true);
    });

    it("when the web app's hashed assets are asked for with gzip, then the build's .gz file is sent as it is", async () => {
      const { url } = cluster();
      const index = await rawGet(url, '/');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.bytes.toString('utf8'))?.[1];
      if (!script) return expect.unreachable('index.html names no script');
      const plain = await rawGet(url, script);
      const gzipped = await rawGet(url, script, { 'accept-encoding': 'gzip, deflate, br' });
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gzipped.headers.vary).toBe('Accept-Encoding');
      expect(gunzipSync(gzipped.bytes).equals(plain.bytes)).toBe(true);
      const built = readFileSync(join(root, 'apps/web/dist', `${script}.gz`));
      expect(gzipped.bytes.equals(built)).toBe(true);
    });

    it('when a course is created or renamed, then anonymous readers see it within the staleness bound', async () => {
      const { url } = cluster();
      // nginx counts whole seconds: an entry of cacheValidSeconds (1) lives up to just under 2 s.
      const boundMs = 2100;
      const marker = uniqueName('fresh').replaceAll('-', '');
      const listPath = `/api/courses?limit=10&q=${marker}`;
      await expectStatus(url, listPath, 200);
      const warm = await expectStatus(url, listPath, 200);
      expect(cacheStatus(warm)).toBe('HIT');
      expect(arrayBody(warm)).toEqual([]);

      const created = await expectStatus(url, '/api/courses', 201, {
        method: 'POST',
        token: adminToken,
        body: { title: `Course ${marker}` },
      });
      const courseId = numberField(created.body, 'id');
      const afterCreate = await pollUntilVisible(url, listPath, created.receivedAt, (result) =>
        arrayBody(result).some((course) => field(course, 'id') === courseId),
      );
      expect(afterCreate.seenAfterMs).not.toBe(Number.POSITIVE_INFINITY);
      expect(afterCreate.staleUntilMs).toBeLessThanOrEqual(boundMs);

      const pagePath = `/api/courses/${courseId}`;
      await expectStatus(url, pagePath, 200);
      const warmPage = await expectStatus(url, pagePath, 200);
      expect(cacheStatus(warmPage)).toBe('HIT');
      const renamed = await expectStatus(url, pagePath, 200, {
        method: 'PUT',
        token: adminToken,
        body: { title: `Renamed ${marker}` },
      });
      const afterRename = await pollUntilVisible(
        url,
        pagePath,
        renamed.receivedAt,
        (result) => stringField(result.body, 'title') === `Renamed ${marker}`,
      );
      expect(afterRename.seenAfterMs).not.toBe(Number.POSITIVE_INFINITY);
      expect(afterRename.staleUntilMs).toBeLessThanOrEqual(boundMs);
      console.info(
        `seen through nginx after: create ${afterCreate.seenAfterMs} ms (stale until ${afterCreate.staleUntilMs} ms), ` +
          `rename ${afterRename.seenAfterMs} ms (stale until ${afterRename.staleUntilMs} ms)`,
      );
    });

    it('when 200 uncached requests go through nginx, then both replicas of the service serve a fair share', async () => {
      const { url } = cluster();
      const ports = [0, 1].map((index) => cluster().replica('courses', index).port);
      const served = () =>
        Promise.all(
          ports.map((port) =>
            scrapeCounter(port, 'http_requests_total', { method: 'GET', route: '/api/courses/:id' }),
          ),
        );
      const before = await served();
      const load = new Load();
      await load.run({ clients: 4, maxDurationMs: 60_000, maxRequestsPerClient: 50 }, async () => {
        expectOk(await http(url, `/api/courses/${readCourseId}`, { token: readerToken }), 'course page');
      });
      expect(load.failures, load.describeFailures()).toEqual([]);
      const after = await served();
      const shares = after.map((count, index) => count - (before[index] ?? 0));
      const total = shares.reduce((sum, share) => sum + share, 0);
      expect(total).toBeGreaterThanOrEqual(200);
      for (const share of shares)
        expect(share, `shares ${shares.join(' / ')}`).toBeGreaterThanOrEqual(0.2 * total);
    });

    it('when a replica is killed with SIGKILL under steady reads, then no read fails and the replica comes back', async () => {
      const { url } = cluster();
      const victim = cluster().replica('courses', 0);
      const startsBefore = victim.starts;
      const pidBefore = victim.child?.pid;
      const load = new Load();
      const killer = setTimeout(() => cluster().kill('courses', 0, 'SIGKILL'), 2000);
      try {
        await load.run(
          { clients: 8, maxDurationMs: 6000, maxRequestsPerClient: 2000, pauseMs: 5 },
          async (client, iteration) => {
            const path =
              (client + iteration) % 2 === 0
                ? `/api/courses/${readCourseId}`
                : `/api/courses/${readCourseId}/lessons`;
            expectOk(await http(url, path, { token: readerToken, timeoutMs: 5000 }), `GET ${path}`);
          },
        );
      } finally {
        clearTimeout(killer);
      }
      console.info(`SIGKILL under load: ${load.ok} reads ok, ${load.failures.length} failed`);
      expect(load.failures, load.describeFailures()).toEqual([]);
      expect(load.ok).toBeGreaterThan(100);

      const back = await until(async () => {
        if (victim.starts === startsBefore || !victim.child) return false;
        const ready = await http(`http://127.0.0.1:${victim.port}`, '/health/ready', {
          timeoutMs: 1000,
        }).catch(() => null);
        return ready?.status === 200;
      }, 30_000);
      expect(back, 'courses#0 was not restarted and ready within 30 s').toBe(true);
      expect(victim.child?.pid).not.toBe(pidBefore);
    });

    it('when every replica is restarted one by one under reads and writes, then no read fails and every acknowledged write is kept', async () => {
      const { url } = cluster();
      const students = await Promise.all(
        Array.from({ length: 6 }, () =>
          newStudent(url, `${uniqueName('cluster-student')}@example.com`, password),
        ),
      );
      const lessonIds: number[] = [];
      // Enough distinct lessons that no writer runs out before the restarts end (a repeated completion of a
      // lesson already stored could not show a lost write).
      const courseIds = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((n) => createCourse(uniqueName(`Rolling ${n}`))),
      );
      await Promise.all(
        courseIds.map(async (courseId) => {
          for (let lesson = 1; lesson <= 40; lesson += 1) {
            lessonIds.push(await createLesson(courseId, `Lesson ${lesson}`));
          }
        }),
      );

      const acknowledged = students.map(() => new Set<number>());
      const failedWrites: string[] = [];
      const writes = new Load();
      const reads = new Load();
      const readRoutes = {
        auth: '/api/auth/me',
        courses: '/api/courses/:id',
        progress: '/api/progress/my',
      } as const;
      const readPaths = [
        ...courseIds.map((courseId) => `/api/courses/${courseId}`),
        '/api/progress/my?limit=20',
        '/api/auth/me',
      ];
      const restartTimes: string[] = [];
      const restartAll = async () => {
        await sleep(1000);
        // Progress first: its restarts are the ones that can lose a write, while every write is still new.
        for (const service of ['progress', 'courses', 'auth'] as const) {
          for (const index of [0, 1]) {
            const startedAt = Date.now();
            let exitedAt = startedAt;
            cluster()
              .replica(service, index)
              .child?.once('exit', () => {
                exitedAt = Date.now();
              });
            await cluster().restartReplica(service, index);
            const readyAt = Date.now();
            // One by one, as a rolling update does: the next replica goes only once nginx sends this one
            // traffic again (its fresh counters move), or the service would be left with no live upstream.
            const { port } = cluster().replica(service, index);
            const inRotation = await until(
              async () =>
                (await scrapeCounter(port, 'http_requests_total', { route: readRoutes[service] })) > 0,
              20_000,
              50,
            );
            if (!inRotation)
              throw new Error(`${service}#${index} got no traffic from nginx after its restart`);
            restartTimes.push(
              `${service}#${index}: drain ${exitedAt - startedAt} ms, start ${readyAt - exitedAt} ms, ` +
                `back in rotation ${Date.now() - readyAt} ms`,
            );
          }
        }
        await sleep(1000);
      };
      const restarts = restartAll().finally(() => {
        writes.stop();
        reads.stop();
      });
      const writing = writes.run(
        { clients: students.length, maxDurationMs: 150_000, maxRequestsPerClient: 5000, pauseMs: 100 },
        async (client, iteration) => {
          const token = students[client] ?? '';
          const lessonId = lessonIds[(iteration + client * 40) % lessonIds.length] ?? 0;
          const result = await http(url, `/api/progress/${lessonId}/complete`, {
            method: 'POST',
            token,
            timeoutMs: 5000,
          }).catch((error: unknown) => {
            failedWrites.push(`${lessonId}: ${error instanceof Error ? error.message : String(error)}`);
            return null;
          });
          if (result?.status === 200) acknowledged[client]?.add(lessonId);
          else if (result) failedWrites.push(`${lessonId}: ${result.status} ${result.text.slice(0, 120)}`);
        },
      );
      const reading = reads.run(
        { clients: 4, maxDurationMs: 150_000, maxRequestsPerClient: 20_000, pauseMs: 10 },
        async (client, iteration) => {
          const path = readPaths[(client + iteration) % readPaths.length] ?? '/api/auth/me';
          const token = students[(client + iteration) % students.length] ?? '';
          expectOk(await http(url, path, { token, timeoutMs: 5000 }), `GET ${path}`);
        },
      );
      await Promise.all([restarts, writing, reading]);

      const acknowledgedCount = acknowledged.reduce((sum, lessons) => sum + lessons.size, 0);
      console.info(
        `rolling restart:\n  ${restartTimes.join('\n  ')}\n${reads.ok} reads ok, ${reads.failures.length} failed; ` +
          `${acknowledgedCount} distinct writes acknowledged, ${failedWrites.length} writes failed` +
          (failedWrites.length ? `: ${failedWrites.slice(0, 5).join('; ')}` : ''),
      );
      expect(reads.failures, reads.describeFailures()).toEqual([]);
      expect(reads.ok).toBeGreaterThan(100);
      expect(acknowledgedCount).toBeGreaterThan(50);

      for (const [index, token] of students.entries()) {
        const stored = new Set<number>();
        for (let offset = 0; offset < 1000; offset += 200) {
          const page = await expectStatus(url, `/api/progress/my?limit=200&offset=${offset}`, 200, { token });
          const items = arrayBody(page);
          for (const item of items) stored.add(numberField(item, 'lesson_id'));
          if (items.length < 200) break;
        }
        const missing = [...(acknowledged[index] ?? [])].filter((lessonId) => !stored.has(lessonId));
        expect(missing, `student ${index}: acknowledged but not stored`).toEqual([]);
      }
    }, 170_000);
  });
});
