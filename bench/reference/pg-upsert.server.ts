// R3: the least an app server can do to record a completion durably: one single-row
// `insert … on conflict do nothing` per request with node-postgres (its own transaction, so one commit each),
// into bench.progress_ref, a table shaped like progress.progress (same columns, primary key and indexes).
// The user id is read from the token without verifying it: R3 does not do auth's work.
import Fastify from 'fastify';
import pg from 'pg';
import { unverifiedClaims } from '../lib/access-tokens.js';

const port = Number(process.env.PORT);
const databaseUrl = process.env.DATABASE_URL;
const poolSize = Number(process.env.R3_POOL_SIZE ?? 20);
if (!Number.isInteger(port) || !databaseUrl) {
  console.error('R3 needs PORT and DATABASE_URL');
  process.exit(2);
}

const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: poolSize,
  application_name: 'lectern-bench-r3',
});
const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });

app.post<{ Params: { lesson_id: string } }>('/api/progress/:lesson_id/complete', async (request, reply) => {
  const lessonId = Number(request.params.lesson_id);
  const token = request.headers.authorization?.slice('Bearer '.length) ?? '';
  const userId = Number(unverifiedClaims(token).sub);
  if (!Number.isSafeInteger(lessonId) || !Number.isSafeInteger(userId)) return reply.code(422).send({});
  await pool.query(
    `insert into bench.progress_ref (user_id, lesson_id, course_id, completed_at) values ($1, $2, $3, now())
     on conflict (user_id, lesson_id) do nothing`,
    [userId, lessonId, Math.floor(lessonId / 10)],
  );
  return { ok: true, lesson_id: lessonId };
});

await app.listen({ host: '127.0.0.1', port });
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
});
