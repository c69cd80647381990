/**
 * The cache store contract in memory, and the memory store's own bound: bytes, least recently used first.
 */
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/cache/memory-cache-store.ts';
import { ResponseCache } from '../../src/cache/response-cache.ts';
import { cacheStoreContract, completion } from './cache-store-contract.ts';

cacheStoreContract('memory', {
  open: async () => new MemoryCacheStore(64 * 1024 * 1024),
  sharingSkipReason: 'a memory store belongs to one process; instances share through Redis',
});

describe('MemoryCacheStore', () => {
  it('stays within its byte bound, evicting the least recently used entry first', () => {
    const store = new MemoryCacheStore(10_000);
    const value = Buffer.from('v'.repeat(2000));
    for (const key of ['a', 'b', 'c', 'd']) store.write(key, value, 60_000);
    // Reading `a` makes `b` the least recently used.
    expect(store.read('a', []).entry).toBe(value);
    store.write('e', value, 60_000);
    expect(store.sizeBytes).toBeLessThanOrEqual(10_000);
    expect(store.read('b', []).entry).toBeUndefined();
    expect(store.read('a', []).entry).toBe(value);
    expect(store.read('e', []).entry).toBe(value);
  });

  it('does not keep an entry larger than the whole bound', () => {
    const store = new MemoryCacheStore(1000);
    store.write('huge', Buffer.from('x'.repeat(5000)), 60_000);
    expect(store.read('huge', []).entry).toBeUndefined();
    expect(store.sizeBytes).toBe(0);
  });

  it('answers synchronously, so a memory hit adds no await to the request', () => {
    const store = new MemoryCacheStore(10_000);
    expect(store.read('missing', ['t'])).toEqual({ entry: undefined, markers: [undefined] });
  });

  it('decodes an entry once however often it is hit, and not once it is replaced', () => {
    const cache = new ResponseCache(new MemoryCacheStore(1024 * 1024));
    const answer = { provider: 'openai', target: 'openai/gpt-4.1', upstreamModel: 'gpt-4.1' };
    cache.save('k', { ...answer, completion: completion('One') }, 60_000, 1024 * 1024);
    const first = cache.lookup('k', ['openai/gpt-4.1']);
    expect(first).toBeDefined();
    expect(cache.lookup('k', ['openai/gpt-4.1'])).toBe(first);
    cache.save('k', { ...answer, completion: completion('Two') }, 60_000, 1024 * 1024);
    const second = cache.lookup('k', ['openai/gpt-4.1']);
    expect(second).not.toBe(first);
    expect(
      (second as { completion: { choices: Array<{ message: { content: string } }> } }).completion.choices[0]
        ?.message.content,
    ).toBe('Two');
  });
});
