/**
 * The cache in this process's memory, bounded by bytes and evicting the least recently used entry first
 * (lru-cache: maintained, no dependencies, the bound and the TTL in one structure).
 */
import { LRUCache } from 'lru-cache';
import { type CacheRead, type CacheStore, MARKER_TTL_MS } from './cache-store.ts';

/** Targets with a version marker: far more than any config has; a bound all the same. */
const MAX_MARKERS = 10_000;
/** Per-entry bookkeeping (the key, the map's node) counted against the byte bound. */
const ENTRY_OVERHEAD_BYTES = 128;

export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory' as const;
  readonly #entries: LRUCache<string, string>;
  readonly #markers = new LRUCache<string, string>({ max: MAX_MARKERS, ttl: MARKER_TTL_MS });

  constructor(maxBytes: number) {
    this.#entries = new LRUCache<string, string>({
      maxSize: maxBytes,
      // V8 keeps ASCII text at one byte a character: the length is the size, close enough for a bound.
      sizeCalculation: (value, key) => value.length + key.length + ENTRY_OVERHEAD_BYTES,
    });
  }

  read(key: string, targets: readonly string[]): CacheRead {
    const markers: Array<string | undefined> = [];
    for (const target of targets) markers.push(this.#markers.get(target));
    return { entry: this.#entries.get(key), markers };
  }

  write(key: string, value: string, ttlMs: number): void {
    this.#entries.set(key, value, { ttl: ttlMs });
  }

  writeMarker(target: string, version: string): void {
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
