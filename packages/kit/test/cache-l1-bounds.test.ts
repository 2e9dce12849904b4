import { describe, expect, it } from 'vitest';
import { Cache } from '../src/cache/index.js';

describe('L1 memory bound', () => {
  it('when entries outgrow l1MaxBytes, then the least recently used are evicted and reloaded', async () => {
    // An entry of 100,000 ASCII characters counts 2 bytes per character for the string, its identity bytes and
    // a few hundred compressed bytes: room for three, not four.
    const cache = await Cache.create({ redis: null, l1MaxBytes: 3 * 310_000, l1TtlMs: 60_000 });
    let loads = 0;
    const load = (key: string) => async () => {
      loads += 1;
      return Promise.resolve({ body: key.repeat(100_000) });
    };
    for (const key of ['a', 'b', 'c']) await cache.get('bound', key, load(key));
    expect(loads).toBe(3);
    await cache.get('bound', 'a', load('a'));
    expect(loads).toBe(3);
    await cache.get('bound', 'd', load('d'));
    await cache.get('bound', 'b', load('b'));
    expect(loads).toBe(5);
    await cache.close();
  });
});
