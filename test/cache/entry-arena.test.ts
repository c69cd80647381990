/**
 * The memory cache's arena: copies that own their memory, slabs freed with their last entry, large
 * entries on their own, and which entries count as stale (in a slab no longer appended to).
 */
import { describe, expect, it } from 'vitest';
import { EntryArena } from '../../src/cache/entry-arena.ts';

const SLAB = 1024;

function bytes(length: number, fill: number): Buffer {
  return Buffer.alloc(length, fill);
}

describe('EntryArena', () => {
  it("copies an entry into a slab of its own, not the caller's memory", () => {
    const arena = new EntryArena(SLAB);
    const source = Buffer.from('an answer');
    const copy = arena.copy(source);
    expect(copy).toEqual(source);
    expect(copy.buffer).not.toBe(source.buffer);
    source.fill(0);
    expect(copy.toString()).toBe('an answer');
    expect(arena.retainedBytes).toBe(SLAB);
  });

  it('appends to the current slab until it is full, then opens the next', () => {
    const arena = new EntryArena(SLAB);
    const first = arena.copy(bytes(200, 1));
    const second = arena.copy(bytes(200, 2));
    expect(second.buffer).toBe(first.buffer);
    for (let i = 0; i < 3; i++) arena.copy(bytes(200, 3));
    expect(arena.retainedBytes).toBe(SLAB);
    const next = arena.copy(bytes(200, 4));
    expect(next.buffer).not.toBe(first.buffer);
    expect(arena.retainedBytes).toBe(2 * SLAB);
  });

  it('frees a closed slab with its last entry, and keeps the current one', () => {
    const arena = new EntryArena(SLAB);
    const old = [arena.copy(bytes(250, 1)), arena.copy(bytes(250, 2)), arena.copy(bytes(250, 3))];
    const current = arena.copy(bytes(250, 4)); // the fourth fills the slab
    const next = arena.copy(bytes(250, 5)); // a new slab
    for (const entry of [...old, current]) arena.release(entry);
    expect(arena.retainedBytes).toBe(SLAB);
    arena.release(next);
    expect(arena.retainedBytes).toBe(SLAB);
  });

  it('gives an entry over a quarter of a slab an allocation of its own, freed with it', () => {
    const arena = new EntryArena(SLAB);
    const large = arena.copy(bytes(SLAB / 4 + 1, 7));
    expect(large.buffer.byteLength).toBe(SLAB / 4 + 1);
    expect(arena.retainedBytes).toBe(SLAB / 4 + 1);
    expect(arena.isStale(large)).toBe(false);
    arena.release(large);
    expect(arena.retainedBytes).toBe(0);
  });

  it('calls an entry stale once its slab is no longer appended to', () => {
    const arena = new EntryArena(SLAB);
    const entry = arena.copy(bytes(250, 1));
    expect(arena.isStale(entry)).toBe(false);
    for (let i = 0; i < 4; i++) arena.copy(bytes(250, 2));
    expect(arena.isStale(entry)).toBe(true);
    expect(arena.isStale(Buffer.from('not ours'))).toBe(false);
  });

  it('holds nothing after clear', () => {
    const arena = new EntryArena(SLAB);
    arena.copy(bytes(100, 1));
    arena.clear();
    expect(arena.retainedBytes).toBe(0);
  });
});
