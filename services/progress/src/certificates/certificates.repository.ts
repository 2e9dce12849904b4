import { sql } from 'drizzle-orm';
import type { Database, JobExecutor } from '@lectern/kit';

export interface CertificateRecord {
  id: string;
  userId: number;
  courseId: number;
  courseTitle: string;
  learner: string;
  locale: 'en' | 'ru';
  issuedAt: Date;
  revokedAt: Date | null;
  credential: string;
}

export interface NewCertificate {
  id: string;
  userId: number;
  courseId: number;
  courseTitle: string;
  learner: string;
  locale: 'en' | 'ru';
  issuedAt: Date;
  credential: string;
  /** When the learner enrolled (or first completed a lesson): the start of "days to complete". */
  startedAt: Date;
}

interface CertificateRow {
  id: string;
  user_id: string | number;
  course_id: string | number;
  course_title: string;
  learner: string;
  locale: string;
  issued_at: Date | string;
  revoked_at: Date | string | null;
  credential: string;
}

const columns = 'id, user_id, course_id, course_title, learner, locale, issued_at, revoked_at, credential';

function toRecord(row: CertificateRow): CertificateRecord {
  return {
    id: row.id,
    userId: Number(row.user_id),
    courseId: Number(row.course_id),
    courseTitle: row.course_title,
    learner: row.learner,
    locale: row.locale === 'ru' ? 'ru' : 'en',
    issuedAt: new Date(row.issued_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    credential: row.credential,
  };
}

/** Rows of drizzle's `execute`: node-postgres and PGlite both answer `{ rows }`, which drizzle's type does not say. */
function rowsOf<Row>(result: unknown): Row[] {
  return (result as { rows: Row[] }).rows;
}

/** Certificates and their PDFs; an issued certificate is never deleted, whatever happens to the course later. */
export class CertificatesRepository {
  constructor(private readonly database: Database) {}

  async byId(id: string): Promise<CertificateRecord | null> {
    const { rows } = await this.database.query<CertificateRow>(
      `select ${columns} from progress.certificates where id = $1`,
      [id],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async byLearner(userId: number, courseId: number): Promise<CertificateRecord | null> {
    const { rows } = await this.database.query<CertificateRow>(
      `select ${columns} from progress.certificates where user_id = $1 and course_id = $2`,
      [userId, courseId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** A learner's certificates, newest first: a handful per learner, read through (user_id, course_id). */
  async ofLearner(userId: number): Promise<CertificateRecord[]> {
    const { rows } = await this.database.query<CertificateRow>(
      `select ${columns} from progress.certificates where user_id = $1 order by issued_at desc, id`,
      [userId],
    );
    return rows.map(toRecord);
  }

  /**
   * Issues the certificate unless the learner already has one for the course, and in the same statement counts
   * the completion in the course's analytics (completed learners and the days it took). Answers the certificate
   * only when this call issued it.
   */
  async issue(executor: JobExecutor, input: NewCertificate): Promise<CertificateRecord | null> {
    const days = Math.max(0, Math.floor((input.issuedAt.getTime() - input.startedAt.getTime()) / 86_400_000));
    const result = await executor.execute(sql`
      with issued as (
        insert into progress.certificates
          (id, user_id, course_id, course_title, learner, locale, issued_at, credential)
        values (${input.id}, ${input.userId}, ${input.courseId}, ${input.courseTitle}, ${input.learner},
                ${input.locale}, ${input.issuedAt.toISOString()}, ${input.credential})
        on conflict (user_id, course_id) do nothing
        returning id, user_id, course_id, course_title, learner, locale, issued_at, revoked_at, credential
      ),
      counted as (
        insert into progress.course_stats as stats (course_id, started, completed)
        select course_id, 0, 1 from issued
        on conflict (course_id) do update set completed = stats.completed + 1
      ),
      took as (
        insert into progress.course_completion_days as histogram (course_id, days, learners)
        select course_id, ${days}, 1 from issued
        on conflict (course_id, days) do update set learners = histogram.learners + 1
      )
      select * from issued`);
    const row = rowsOf<CertificateRow>(result)[0];
    return row ? toRecord(row) : null;
  }

  /** Marks it revoked (once: a second revoke keeps the first date); null when there is no such certificate. */
  async revoke(id: string): Promise<CertificateRecord | null> {
    const { rows } = await this.database.query<CertificateRow>(
      `update progress.certificates set revoked_at = coalesce(revoked_at, now()) where id = $1
       returning ${columns}`,
      [id],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The stored PDF when it was made for the certificate's current state (valid or revoked). */
  async pdf(id: string, revoked: boolean): Promise<Buffer | null> {
    const { rows } = await this.database.query<{ pdf: Buffer | Uint8Array }>(
      'select pdf from progress.certificate_pdfs where certificate_id = $1 and revoked = $2',
      [id, revoked],
    );
    const bytes = rows[0]?.pdf;
    return bytes === undefined ? null : Buffer.from(bytes);
  }

  async storePdf(id: string, revoked: boolean, pdf: Buffer): Promise<void> {
    await this.database.query(
      `insert into progress.certificate_pdfs (certificate_id, revoked, pdf, made_at) values ($1, $2, $3, now())
       on conflict (certificate_id) do update set revoked = excluded.revoked, pdf = excluded.pdf, made_at = now()`,
      [id, revoked, pdf],
    );
  }
}
