import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit, OverloadedError } from '../src/concurrency-limit.js';
import { OWASP_ARGON2ID, PasswordHasher } from '../src/password.hasher.js';

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('ConcurrencyLimit', () => {
  it('when slots and queue are full, then the next task is refused at once; waiting tasks run in order', async () => {
    const limit = new ConcurrencyLimit(2, 1);
    const gates = [deferred(), deferred(), deferred()];
    const order: number[] = [];
    const runs = gates.map((gate, index) =>
      limit.run(async () => {
        order.push(index);
        await gate.promise;
      }),
    );
    expect(limit.active).toBe(2);
    expect(limit.queued).toBe(1);
    await expect(limit.run(() => Promise.resolve())).rejects.toBeInstanceOf(OverloadedError);

    gates[0]?.resolve();
    await runs[0];
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2]);
    expect(limit.active).toBe(2);
    expect(limit.queued).toBe(0);
    gates[1]?.resolve();
    gates[2]?.resolve();
    await Promise.all(runs);
    expect(limit.active).toBe(0);
  });

  it('when a task fails, then its slot is released', async () => {
    const limit = new ConcurrencyLimit(1, 0);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(() => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe('PasswordHasher', () => {
  it("when it hashes, then it uses argon2id with OWASP's parameters", async () => {
    const hasher = await PasswordHasher.create({ parameters: OWASP_ARGON2ID, concurrency: 2, maxWaiting: 2 });
    const hash = await hasher.hash('a password');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await expect(hasher.verify(hash, 'a password')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'another')).resolves.toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('when there is no account, then it still runs a full verification (against the dummy hash) and says no', async () => {
    const hasher = await PasswordHasher.create({ parameters: OWASP_ARGON2ID, concurrency: 1, maxWaiting: 0 });
    const verifying = hasher.verify(undefined, 'a password');
    expect(hasher.load).toEqual({ active: 1, queued: 0 });
    await expect(hasher.hash('x')).rejects.toMatchObject({ statusCode: 503, code: 'auth_busy' });
    await expect(verifying).resolves.toBe(false);
  });

  it('when as many sign-in attempts are in flight as may hash or wait, then the next is refused before it starts', async () => {
    const hasher = await PasswordHasher.create({ parameters: OWASP_ARGON2ID, concurrency: 1, maxWaiting: 1 });
    const gate = deferred();
    const held = [hasher.admit(() => gate.promise), hasher.admit(() => gate.promise)];
    let started = false;
    const refused = hasher.admit(() => {
      started = true;
      return Promise.resolve();
    });
    await expect(refused).rejects.toMatchObject({ statusCode: 503, code: 'auth_busy' });
    expect(started).toBe(false);
    gate.resolve();
    await Promise.all(held);
    await expect(hasher.admit(() => Promise.resolve('ok'))).resolves.toBe('ok');
  });

  it('when the stored hash is malformed or weaker, then verify says no and needsRehash says yes', async () => {
    const hasher = await PasswordHasher.create({ parameters: OWASP_ARGON2ID, concurrency: 1, maxWaiting: 1 });
    await expect(hasher.verify('not a hash', 'a password')).resolves.toBe(false);
    const weak = await argon2.hash('a password', {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 1,
      parallelism: 1,
    });
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });
});
