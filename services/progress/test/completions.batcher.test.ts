import { describe, expect, it } from 'vitest';
import { CompletionBatcher } from '../src/completions.batcher.js';
import type { Completion } from '../src/progress.repository.js';

function completion(userId: number, lessonId = 1): Completion {
  return { userId, lessonId, courseId: 1, totalLessons: 3, enrol: false };
}

/** A write that records each batch it is given and succeeds. */
function recorder() {
  const writes: Completion[][] = [];
  const write = (batch: Completion[]) => {
    writes.push(batch);
    return Promise.resolve();
  };
  return { writes, write };
}

function deferred() {
  let release!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  return { promise, release, fail };
}

async function settled(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  const marker = Symbol('pending');
  const outcome = await Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<typeof marker>((resolve) => setImmediate(() => resolve(marker))),
  ]);
  return outcome === marker ? 'pending' : outcome;
}

describe('CompletionBatcher', () => {
  it('when completions arrive within the window, then one write carries them all', async () => {
    const { writes, write } = recorder();
    const batcher = new CompletionBatcher(write, { maxBatch: 100, windowMs: 5 });

    await Promise.all([1, 2, 3].map((userId) => batcher.complete(completion(userId))));

    expect(writes).toEqual([[completion(1), completion(2), completion(3)]]);
  });

  it('when a write is in flight, then later completions queue and go together in the next write', async () => {
    const writes: Completion[][] = [];
    const first = deferred();
    const batcher = new CompletionBatcher(
      async (batch) => {
        writes.push(batch);
        if (writes.length === 1) await first.promise;
      },
      { maxBatch: 100, windowMs: 0 },
    );
    const early = batcher.complete(completion(1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const late = [2, 3, 4].map((userId) => batcher.complete(completion(userId)));

    expect(await settled(early)).toBe('pending');
    first.release();
    await Promise.all([early, ...late]);

    expect(writes).toEqual([[completion(1)], [completion(2), completion(3), completion(4)]]);
  });

  it('when maxWrites is 2, then a second write starts while the first is in flight, and a third waits for one', async () => {
    const writes: Completion[][] = [];
    const gates = [deferred(), deferred()];
    const batcher = new CompletionBatcher(
      async (batch) => {
        const index = writes.push(batch) - 1;
        await gates[index]?.promise;
      },
      { maxBatch: 100, windowMs: 0, maxWrites: 2 },
    );
    const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
    const first = batcher.complete(completion(1));
    await tick();
    const second = batcher.complete(completion(2));
    await tick();
    const third = [3, 4].map((userId) => batcher.complete(completion(userId)));
    await tick();

    expect(writes).toEqual([[completion(1)], [completion(2)]]);
    gates[1]?.release();
    await second;
    expect(await settled(first)).toBe('pending');
    await Promise.all(third);
    expect(writes).toEqual([[completion(1)], [completion(2)], [completion(3), completion(4)]]);
    gates[0]?.release();
    await first;
  });

  it('when more than maxBatch completions wait, then no write carries more than maxBatch', async () => {
    const { writes, write } = recorder();
    const batcher = new CompletionBatcher(write, { maxBatch: 4, windowMs: 50 });

    await Promise.all(Array.from({ length: 10 }, (_, index) => batcher.complete(completion(index))));

    expect(writes.map((batch) => batch.length)).toEqual([4, 4, 2]);
  });

  it('when a batch repeats a completion, then the write sees it once and both callers succeed', async () => {
    const { writes, write } = recorder();
    const batcher = new CompletionBatcher(write, { maxBatch: 100, windowMs: 5 });

    await Promise.all([batcher.complete(completion(7, 3)), batcher.complete(completion(7, 3))]);

    expect(writes).toEqual([[completion(7, 3)]]);
  });

  it('when a write fails, then only its own callers see the error and are never acknowledged', async () => {
    const failing = deferred();
    let calls = 0;
    const batcher = new CompletionBatcher(
      async () => {
        calls += 1;
        if (calls === 1) await failing.promise;
      },
      { maxBatch: 2, windowMs: 0 },
    );
    const doomed = [batcher.complete(completion(1)), batcher.complete(completion(2))];
    const next = batcher.complete(completion(3));

    failing.fail(new Error('connection terminated'));

    for (const promise of doomed) await expect(promise).rejects.toThrow('connection terminated');
    await expect(next).resolves.toBeUndefined();
  });

  it('when it is closed, then queued completions are written first and new ones are refused with 503', async () => {
    const { writes, write } = recorder();
    const batcher = new CompletionBatcher(write, { maxBatch: 100, windowMs: 60_000 });
    const queued = batcher.complete(completion(1));

    await batcher.close();

    await expect(queued).resolves.toBeUndefined();
    expect(writes).toEqual([[completion(1)]]);
    await expect(batcher.complete(completion(2))).rejects.toMatchObject({ statusCode: 503 });
  });
});
