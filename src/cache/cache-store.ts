/**
 * Where cached answers live (issue 14): in this process's memory (`state: memory`) or in the Redis
 * every instance shares (`state: redis://…`). One small interface of serialized values, so both stores
 * hold exactly the same bytes and one contract suite (test/cache/cache-store-contract.ts) tests both.
 *
 * Besides entries, a store keeps one version marker per target: the upstream model version the
 * provider last reported for it. An entry made by another version is unreachable (response-cache.ts).
 *
 * A store never throws or rejects: an entry it cannot read is a miss, one it cannot write is dropped
 * (and reported through `onError`), so a failing cache costs a request nothing but the hit.
 */
export interface CacheRead {
  /** The entry's bytes (cached-answer.ts), undefined on a miss. */
  entry: Buffer | undefined;
  /** Index-aligned with the marker names asked for. */
  markers: Array<string | undefined>;
}

export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  /** The entry under `key` and the version markers of `targets`; synchronous for memory. */
  read(key: string, targets: readonly string[]): CacheRead | Promise<CacheRead>;
  /** Stores `value` (already checked against the size cap) for `ttlMs`. */
  write(key: string, value: Buffer, ttlMs: number): void;
  /** Records the upstream model version a target reported. */
  writeMarker(target: string, version: string): void;
  /** Resolves once the store can answer (at once for memory; bounded wait for Redis, never rejects). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export type CacheStoreErrorHandler = (operation: 'read' | 'write', error: unknown) => void;

/** How long a version marker lives: longer than any entry can (MAX_CACHE_TTL_S). */
export const MARKER_TTL_MS = 31 * 86_400_000;
