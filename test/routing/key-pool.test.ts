import { describe, expect, it } from 'vitest';
import { KeyPool } from '../../src/routing/key-pool.ts';

describe('KeyPool', () => {
  it('rotates round-robin over usable keys and skips cooling ones', () => {
    const pool = new KeyPool('openai', ['key_a', 'key_b', 'key_c']);
    expect([pool.pick(0), pool.pick(0), pool.pick(0), pool.pick(0)]).toEqual([0, 1, 2, 0]);
    pool.coolDown(1, 1_000, 'rate_limited');
    expect([pool.pick(10), pool.pick(10), pool.pick(10)]).toEqual([2, 0, 2]);
    expect(pool.pick(1_000)).toBe(0);
    expect(pool.pick(1_000)).toBe(1);
  });

  it('answers -1 when every key is out, and says when the first one is back', () => {
    const pool = new KeyPool('openai', ['key_a', 'key_b']);
    pool.coolDown(0, 5_000, 'rate_limited');
    pool.coolDown(1, 3_000, 'auth');
    expect(pool.pick(100)).toBe(-1);
    expect(pool.availableAt(100)).toBe(3_000);
    expect(pool.allRefused(100)).toBe(false);
    expect(pool.status(100)).toEqual([
      { id: 'key_a', state: 'cooling', until: 5_000 },
      { id: 'key_b', state: 'disabled', until: 3_000 },
    ]);
  });

  it('tells a provider that refused every key apart from one that throttles them', () => {
    const pool = new KeyPool('openai', ['key_a', 'key_b']);
    pool.coolDown(0, 9_000, 'auth');
    expect(pool.allRefused(100)).toBe(false);
    pool.coolDown(1, 9_000, 'auth');
    expect(pool.allRefused(100)).toBe(true);
    expect(pool.allRefused(9_000)).toBe(false);
  });

  it('keeps the later deadline, merges shared cooldowns by member, and survives a key list change', () => {
    const pool = new KeyPool('openai', ['key_a', 'key_b']);
    expect(pool.coolDown(0, 2_000, 'rate_limited')).toBe(true);
    expect(pool.coolDown(0, 1_000, 'rate_limited')).toBe(false);
    pool.applyShared(
      new Map([
        ['openai:key_b', 4_000],
        ['other:key_a', 9_000],
      ]),
      'rate_limited',
    );
    expect(pool.availableAt(0)).toBe(2_000);
    const reloaded = new KeyPool('openai', ['key_c', 'key_b']);
    reloaded.inherit(pool);
    expect(reloaded.status(0).map((key) => key.state)).toEqual(['available', 'cooling']);
  });

  it('skips the keys a request was refused with, and answers -1 when only those are left', () => {
    const pool = new KeyPool('openai', ['key_a', 'key_b', 'key_c']);
    const skip = new Set([0, 2]);
    expect([pool.pick(0, skip), pool.pick(0, skip)]).toEqual([1, 1]);
    pool.coolDown(1, 1_000, 'rate_limited');
    expect(pool.pick(10, skip)).toBe(-1);
    // Not cooling: the request refused them, the pool did not.
    expect(pool.availableAt(10)).toBe(10);
    expect(pool.pick(10)).toBe(2);
  });
});
