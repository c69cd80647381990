/**
 * The cache in this process's memory, bounded by bytes and evicting the least recently used entry first
 * (lru-cache: maintained, no dependencies). Expiry is checked on read against the entry's own deadline
 * (response-cache.ts), the same check for both stores; the LRU keeps no timers of its own, which spared
 * a clock read per get and set (an expired entry is simply the first the byte bound evicts, unread).
 */
import { LRUCache } from 'lru-cache';
import type { CacheRead, CacheStore } from './cache-store.ts';

/** Targets with a version marker: far more than any config has; a bound all the same. */
const MAX_MARKERS = 4_096;
/** Per-entry bookkeeping (the key, the map's node) counted against the byte bound. */
const ENTRY_OVERHEAD_BYTES = 128;

export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory' as const;
  /**
   * Values as bytes, off the JS heap: the scavenger never copies an answer's text into the old space
   * (as strings, a miss on the bench cost 804k instructions against 746k as Buffers).
   */
  readonly #entries: LRUCache<string, Buffer>;
  /** target → version; a plain Map, emptied if it ever reaches the bound (markers are rewritten on change). */
  readonly #markers = new Map<string, string>();

  constructor(maxBytes: number) {
    this.#entries = new LRUCache<string, Buffer>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => value.length + key.length + ENTRY_OVERHEAD_BYTES,
    });
  }

  read(key: string, targets: readonly string[]): CacheRead {
    const markers: Array<string | undefined> = [];
    for (const target of targets) markers.push(this.#markers.get(target));
    return { entry: this.#entries.get(key), markers };
  }

  write(key: string, value: Buffer, _ttlMs: number): void {
    this.#entries.set(key, value);
  }

  writeMarker(target: string, version: string): void {
    if (this.#markers.size >= MAX_MARKERS && !this.#markers.has(target)) this.#markers.clear();
    this.#markers.set(target, version);
  }

  /** Bytes held, as the bound counts them (tests, the admin view). */
  get sizeBytes(): number {
    return this.#entries.calculatedSize;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#entries.clear();
    this.#markers.clear();
    return Promise.resolve();
  }
}
