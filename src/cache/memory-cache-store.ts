/**
 * The cache in this process's memory, bounded by bytes and evicting the least recently used entry first
 * (lru-cache: maintained, no dependencies). Expiry is checked on read against the entry's own deadline
 * (response-cache.ts), the same check for both stores; the LRU keeps no timers of its own, which spared
 * a clock read per get and set (an expired entry is simply the first the byte bound evicts, unread).
 *
 * The bound counts what the cache holds, not only what its entries add up to: the arena's slabs whole
 * (entry-arena.ts) and each entry's bookkeeping on the heap. An entry used from a slab no longer appended
 * to is moved to the current one, so least recently used order is slab order, and evicting from the
 * least recently used end empties the oldest slab first.
 */
import { LRUCache } from 'lru-cache';
import type { CacheRead, CacheStore } from './cache-store.ts';
import { EntryArena } from './entry-arena.ts';

/** Targets with a version marker: far more than any config has; a bound all the same. */
const MAX_MARKERS = 4_096;
/**
 * Per-entry bookkeeping on the heap, counted against the byte bound with the key's length: the entry's
 * Buffer view, the key string's header, the LRU's slots and map entry (238 bytes measured a 43-character
 * key's entry, Node 24, heap used after a full collection).
 */
const ENTRY_OVERHEAD_BYTES = 200;
/**
 * An entry read is decoded once and the decoding kept beside it while it lives (ResponseCache's WeakMap:
 * the head's object and strings, a view of the completion): 458 bytes measured a bench-sized answer,
 * counted from the entry's first read.
 */
const DECODED_ENTRY_BYTES = 512;
/** A thirty-second of the bound, at most 1 MiB: the slack a partly filled slab adds stays small. */
const MAX_SLAB_BYTES = 1024 * 1024;

export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory' as const;
  /**
   * Values as bytes, off the JS heap: the scavenger never copies an answer's text into the old space
   * (as strings, a miss on the bench cost 804k instructions against 746k as Buffers).
   */
  readonly #entries: LRUCache<string, Buffer>;
  readonly #arena: EntryArena;
  readonly #maxBytes: number;
  /** Entries read since stored or moved: their decoding is counted (DECODED_ENTRY_BYTES). */
  readonly #read = new WeakSet<Buffer>();
  /** target → version; a plain Map, emptied if it ever reaches the bound (markers are rewritten on change). */
  readonly #markers = new Map<string, string>();

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
    this.#arena = new EntryArena(Math.min(MAX_SLAB_BYTES, Math.floor(maxBytes / 32)));
    this.#entries = new LRUCache<string, Buffer>({
      // What the LRU counts is the heap side; the arena counts the entries' bytes (write's bound).
      maxSize: maxBytes,
      sizeCalculation: (_value, key) => key.length + ENTRY_OVERHEAD_BYTES,
      dispose: (value) => this.#arena.release(value),
    });
  }

  read(key: string, targets: readonly string[]): CacheRead {
    const markers: Array<string | undefined> = [];
    for (const target of targets) markers.push(this.#markers.get(target));
    let entry = this.#entries.get(key);
    if (entry === undefined) return { entry, markers };
    const stale = this.#arena.isStale(entry);
    if (!stale && this.#read.has(entry)) return { entry, markers };
    // The first read since the entry was stored or moved (its decoding counts from now), or a read of an
    // entry in a slab no longer appended to: moved, so that slab empties in least recently used order.
    if (stale) entry = this.#arena.copy(entry);
    this.#read.add(entry);
    this.#entries.set(key, entry, { size: key.length + ENTRY_OVERHEAD_BYTES + DECODED_ENTRY_BYTES });
    this.#trim();
    return { entry, markers };
  }

  write(key: string, value: Buffer, _ttlMs: number): void {
    if (value.length + key.length + ENTRY_OVERHEAD_BYTES > this.#maxBytes) {
      // Never kept, and not left answering with the value it replaces.
      this.#entries.delete(key);
      return;
    }
    // A copy: the caller's Buffer may be a view of Node's shared pool (entry-arena.ts).
    this.#entries.set(key, this.#arena.copy(value));
    this.#trim();
  }

  writeMarker(target: string, version: string): void {
    if (this.#markers.size >= MAX_MARKERS && !this.#markers.has(target)) this.#markers.clear();
    this.#markers.set(target, version);
  }

  /** Bytes held, as the bound counts them: the arena's slabs and the entries' bookkeeping. */
  get sizeBytes(): number {
    return this.#arena.retainedBytes + this.#entries.calculatedSize;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#entries.clear();
    this.#arena.clear();
    this.#markers.clear();
    return Promise.resolve();
  }

  /** Evicts from the least recently used end until what the cache holds is within the bound. */
  #trim(): void {
    while (this.sizeBytes > this.#maxBytes && this.#entries.size > 0) this.#entries.pop();
  }
}
