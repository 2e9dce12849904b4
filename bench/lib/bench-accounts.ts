import type pg from 'pg';

/**
 * An account in auth.users for a token the bench mints itself. Course writes check the writer's current role in
 * auth (DESIGN §13), so the instructor behind S7's and S8's course must exist; learners need no row. Never signs
 * in (the password hash is not a hash), and its e-mail is under bench.test.
 */
export async function ensureBenchInstructor(client: pg.Client, id: number, email: string): Promise<void> {
  await client.query(
    `insert into auth.users (id, email, password_hash, role)
     overriding system value values ($1, $2, 'bench-account-no-login', 'instructor')
     on conflict do nothing`,
    [id, email],
  );
}
