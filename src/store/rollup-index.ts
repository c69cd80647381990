/**
 * The rollup rows one batch of log rows adds to, each key once. A key is up to three name parts (provider,
 * model, status class; or provider, outcome) and a bucket (granularity and start). The rows of a batch
 * mostly share their rollup rows (one model, one provider, the same buckets), so the last parts' rows
 * are tried first, per granularity: a row like the one before builds and hashes no key string at all.
 * That took `rollupsOf` (request-log.ts) from 1.7 to 0.5 µs a row, and the SQLite log thread from 7.5 to
 * 6.1 µs of CPU a row (`node bench/log-insert-cost.ts`).
 */
export interface BucketedRollup {
  bucketStart: number;
}

export type NewRollup<T> = (a: string, b: string, c: string, bucketMs: number, bucketStart: number) => T;

export class RollupIndex<T extends BucketedRollup> {
  readonly #create: NewRollup<T>;
  readonly #byKey = new Map<string, T>();
  #a: string | undefined;
  #b = '';
  #c = '';
  /** The last parts' rollup row per granularity index. */
  readonly #last: Array<T | undefined> = [];

  constructor(create: NewRollup<T>) {
    this.#create = create;
  }

  /** The rollup row of these parts in granularity `granularity` (an index) and bucket, made when new. */
  row(a: string, b: string, c: string, granularity: number, bucketMs: number, bucketStart: number): T {
    if (a !== this.#a || b !== this.#b || c !== this.#c) {
      this.#a = a;
      this.#b = b;
      this.#c = c;
      this.#last.length = 0;
    }
    const last = this.#last[granularity];
    if (last !== undefined && last.bucketStart === bucketStart) return last;
    // Only the middle part can hold a NUL (a model name as a client sent it; providers are config names,
    // status classes and outcomes fixed words), so a key still splits one way only: keys never collide.
    const key = `${bucketMs}:${bucketStart}\u0000${a}\u0000${b}\u0000${c}`;
    let row = this.#byKey.get(key);
    if (row === undefined) {
      row = this.#create(a, b, c, bucketMs, bucketStart);
      this.#byKey.set(key, row);
    }
    this.#last[granularity] = row;
    return row;
  }

  rows(): T[] {
    return [...this.#byKey.values()];
  }
}
