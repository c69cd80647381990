/**
 * The memory cache's own memory for entry bytes. A `Buffer` under half of `Buffer.poolSize` is a view of
 * a slab of Node's shared pool, so an entry kept as it came pins the whole slab, with every short-lived
 * buffer cut from it: on the bench, a 64 MiB cache raised the gateway's peak RSS by 178 MB (41 MB with
 * this arena; docs/performance.md). An ArrayBuffer per entry would fix that at ~3 µs of CPU a store (the
 * GC tracks each one); a copy into a slab that holds only entries costs well under one.
 *
 * Entries are appended to the current slab; a slab is freed once no entry lives in it. An entry larger
 * than a quarter of a slab gets an allocation of its own (the copy is small against its size, and it
 * strands no slab space). `retainedBytes` is every slab still held, whole, so the owner can bound what
 * the cache really costs, not only what its entries add up to.
 */

interface Slab {
  readonly bytes: Buffer;
  /** Bytes handed out; the rest is free for the next entries (the current slab only). */
  used: number;
  /** Entries still living in it. */
  live: number;
  /** One entry's own allocation, never appended to. */
  readonly dedicated: boolean;
}

export class EntryArena {
  readonly #slabBytes: number;
  readonly #dedicatedFrom: number;
  /** Every slab an entry lives in, and the current one, by its ArrayBuffer (what a view knows). */
  readonly #slabs = new Map<ArrayBufferLike, Slab>();
  #current: Slab | undefined;
  #retainedBytes = 0;

  constructor(slabBytes: number) {
    this.#slabBytes = slabBytes;
    this.#dedicatedFrom = Math.floor(slabBytes / 4);
  }

  /** Bytes of every slab held, whole: free space in the current one and dead entries' space included. */
  get retainedBytes(): number {
    return this.#retainedBytes;
  }

  /** A copy of `bytes` in the arena; the caller owns it until `release`. */
  copy(bytes: Uint8Array): Buffer {
    const length = bytes.byteLength;
    if (length > this.#dedicatedFrom) {
      const slab = this.#open(length, true);
      slab.bytes.set(bytes);
      slab.used = length;
      slab.live = 1;
      return slab.bytes;
    }
    let slab = this.#current;
    if (slab === undefined || slab.used + length > slab.bytes.length) {
      if (slab !== undefined && slab.live === 0) this.#free(slab);
      slab = this.#open(this.#slabBytes, false);
      this.#current = slab;
    }
    const view = slab.bytes.subarray(slab.used, slab.used + length);
    view.set(bytes);
    slab.used += length;
    slab.live++;
    return view;
  }

  /** The entry is gone: its slab is freed when it was the slab's last and new entries go elsewhere. */
  release(view: Buffer): void {
    const slab = this.#slabs.get(view.buffer);
    if (slab === undefined) return;
    slab.live--;
    if (slab.live === 0 && slab !== this.#current) this.#free(slab);
  }

  /**
   * Whether the entry sits in a slab that is no longer appended to. The owner moves such an entry when it
   * is used, so entries of one slab fall out of use together and a slab's last entry is not pinned by an
   * older one still in use (an entry of its own allocation never needs moving).
   */
  isStale(view: Buffer): boolean {
    if (view.buffer === this.#current?.bytes.buffer) return false;
    const slab = this.#slabs.get(view.buffer);
    return slab !== undefined && !slab.dedicated;
  }

  clear(): void {
    this.#slabs.clear();
    this.#current = undefined;
    this.#retainedBytes = 0;
  }

  #open(size: number, dedicated: boolean): Slab {
    // allocUnsafeSlow: never a view of Node's pool, whatever the size.
    const slab: Slab = { bytes: Buffer.allocUnsafeSlow(size), used: 0, live: 0, dedicated };
    this.#slabs.set(slab.bytes.buffer, slab);
    this.#retainedBytes += size;
    return slab;
  }

  #free(slab: Slab): void {
    this.#slabs.delete(slab.bytes.buffer);
    this.#retainedBytes -= slab.bytes.length;
  }
}
