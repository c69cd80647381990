/**
 * The cache store contract in memory, and the memory store's own bound: bytes, least recently used first,
 * counting what the store really holds (its arena's slabs), never the caller's pooled buffers.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
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
    expect(store.read('a', []).entry).toEqual(value);
    store.write('e', value, 60_000);
    expect(store.sizeBytes).toBeLessThanOrEqual(10_000);
    expect(store.read('b', []).entry).toBeUndefined();
    expect(store.read('a', []).entry).toEqual(value);
    expect(store.read('e', []).entry).toEqual(value);
  });

  it("keeps a copy, so a stored entry never pins the rest of Node's shared buffer pool", () => {
    const store = new MemoryCacheStore(1024 * 1024);
    const pooled = Buffer.from('{"format":2}\nsmall answer');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    store.write('k', pooled, 60_000);
    const entry = store.read('k', []).entry as Buffer;
    expect(entry).toEqual(pooled);
    expect(entry.buffer).not.toBe(pooled.buffer);
  });

  it('counts every byte it holds: under churn, hot entries and overwrites, never past its bound', () => {
    const maxBytes = 64 * 1024;
    const operation = fc.oneof(
      fc.record({ write: fc.nat(400), size: fc.integer({ min: 1, max: 5000 }) }),
      fc.record({ read: fc.nat(400) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 600 }), (operations) => {
        const store = new MemoryCacheStore(maxBytes);
        const written = new Map<string, Buffer>();
        for (const op of operations) {
          if ('write' in op) {
            const value = Buffer.alloc(op.size, op.write % 251);
            store.write(`k${op.write}`, value, 60_000);
            written.set(`k${op.write}`, value);
          } else {
            const entry = store.read(`k${op.read}`, []).entry;
            // Evicted, or exactly what was last written under the key.
            if (entry !== undefined) expect(entry).toEqual(written.get(`k${op.read}`));
          }
          expect(store.sizeBytes).toBeLessThanOrEqual(maxBytes);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('counts an entry read (its owner keeps the decoding beside it) from the first read, once', () => {
    const store = new MemoryCacheStore(1024 * 1024);
    store.write('k', Buffer.from('v'.repeat(100)), 60_000);
    const stored = store.sizeBytes;
    store.read('k', []);
    const read = store.sizeBytes;
    expect(read).toBeGreaterThan(stored);
    store.read('k', []);
    expect(store.sizeBytes).toBe(read);
  });

  it('keeps an entry in use while newer, unused ones are evicted', () => {
    const store = new MemoryCacheStore(256 * 1024);
    const hot = Buffer.from('h'.repeat(500));
    store.write('hot', hot, 60_000);
    for (let i = 0; i < 5_000; i++) {
      store.write(`cold-${i}`, Buffer.from(`c${i}`.padEnd(600, '.')), 60_000);
      if (i % 50 === 0) expect(store.read('hot', []).entry).toEqual(hot);
      expect(store.sizeBytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(store.read('cold-0', []).entry).toBeUndefined();
    expect(store.read('cold-4999', []).entry).toBeDefined();
  });

  it("holds about its bound in memory, not the pool slabs its entries' copies came from", () => {
    const script = fileURLToPath(new URL('./memory-held.script.ts', import.meta.url));
    const output = execFileSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8' });
    const { heldBytes, sizeBytes, maxBytes } = JSON.parse(output);
    // Entries kept as they came pinned 31–34 MB here; the arena's slabs are within the bound.
    expect(heldBytes).toBeLessThan(maxBytes * 1.25);
    expect(sizeBytes).toBeLessThanOrEqual(maxBytes);
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
