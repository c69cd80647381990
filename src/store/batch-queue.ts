/**
 * A bounded, coalescing queue that writes its items in batches, off the request path (docs/style.md §2.9):
 * `enqueue` only touches memory and returns at once; a timer writes a batch every `flushIntervalMs`, or
 * right away once `maxBatch` items wait. One batch is in flight at a time. A failed write keeps its
 * items (ahead of newer ones) and is retried with backoff for as long as the store stays away; the
 * bound is the queue size, past which new items are dropped and counted, never blocked on.
 *
 * Generic so every table the gateway appends to (spend now, the request log next) shares one tested
 * mechanism; writer.ts gives each its typed facade.
 */
import { type BackoffPolicy, backoffDelayMs } from '../routing/backoff.ts';

export type DropReason =
  /** The queue held `maxQueued` items. */
  | 'queue_full'
  /** The item failed the facade's validation; writing it would fail the whole batch, forever. */
  | 'invalid'
  /** Enqueued after `close()`. */
  | 'closed'
  /** Still unwritten when `close()` gave up retrying. */
  | 'unwritten_at_close';

export interface Scheduler {
  /** Calls `fn` after `delayMs`. A timer without `keepAlive` must not hold the process open. */
  setTimeout(fn: () => void, delayMs: number, keepAlive: boolean): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout(fn, delayMs, keepAlive) {
    const timer = setTimeout(fn, delayMs);
    if (!keepAlive) timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** How items that mean the same row merge in memory (spend of one tenant and hour adds up). */
export interface Coalescing<T> {
  keyOf(item: T): string;
  /** A private copy: the queue mutates it by merging, never the caller's object. */
  copy(item: T): T;
  /** Adds `item` into `into` (a copy the queue owns). */
  merge(into: T, item: T): void;
}

export interface BatchQueueOptions<T> {
  /** Writes one batch in one transaction; a rejection keeps the batch for a retry. */
  write(batch: T[]): Promise<void>;
  coalescing?: Coalescing<T>;
  /** Default 500. */
  flushIntervalMs?: number;
  /** Default 1000. */
  maxBatch?: number;
  /** Items waiting or in flight, after coalescing; default 10,000. */
  maxQueued?: number;
  /** Delays between retries of a failed write; default 500 ms doubling to 30 s. */
  retry?: BackoffPolicy;
  /** Write attempts per batch once `close()` is called (the drain must end); default 3. */
  closeAttempts?: number;
  onDrop?(count: number, reason: DropReason): void;
  /** A write failed; `retry` is how many retries it has now had scheduled (1 for the first failure). */
  onWriteError?(error: unknown, retry: number): void;
  scheduler?: Scheduler;
  random?: () => number;
}

const DEFAULT_RETRY: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

export class BatchQueue<T> {
  readonly #write: (batch: T[]) => Promise<void>;
  readonly #coalescing: Coalescing<T> | undefined;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #maxQueued: number;
  readonly #retryPolicy: BackoffPolicy;
  readonly #closeAttempts: number;
  readonly #onDrop: (count: number, reason: DropReason) => void;
  readonly #onWriteError: (error: unknown, retry: number) => void;
  readonly #scheduler: Scheduler;
  readonly #random: () => number;

  /** Waiting items by coalescing key (or a unique key when items do not coalesce), oldest first. */
  #pending = new Map<string, T>();
  #inFlight = 0;
  #writing: Promise<void> | undefined;
  #timer: unknown;
  #timerUrgent = false;
  /** Consecutive failed writes; while above 0 the next write waits for the backoff timer. */
  #failures = 0;
  #nextId = 0;
  #dropped = 0;
  #closed = false;

  constructor(options: BatchQueueOptions<T>) {
    this.#write = options.write;
    this.#coalescing = options.coalescing;
    this.#flushIntervalMs = positive('flushIntervalMs', options.flushIntervalMs ?? 500);
    this.#maxBatch = positiveInteger('maxBatch', options.maxBatch ?? 1000);
    this.#maxQueued = positiveInteger('maxQueued', options.maxQueued ?? 10_000);
    this.#retryPolicy = options.retry ?? DEFAULT_RETRY;
    this.#closeAttempts = positiveInteger('closeAttempts', options.closeAttempts ?? 3);
    this.#onDrop = options.onDrop ?? (() => {});
    this.#onWriteError = options.onWriteError ?? (() => {});
    this.#scheduler = options.scheduler ?? realScheduler;
    this.#random = options.random ?? Math.random;
  }

  /** Items waiting or being written. */
  get queued(): number {
    return this.#pending.size + this.#inFlight;
  }

  /** Items dropped since start, for every reason. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues `item` (merging it into a waiting item with its key); false when it was dropped. */
  enqueue(item: T): boolean {
    if (this.#closed) {
      this.drop(1, 'closed');
      return false;
    }
    let key: string;
    if (this.#coalescing === undefined) key = `#${this.#nextId++}`;
    else {
      key = this.#coalescing.keyOf(item);
      const waiting = this.#pending.get(key);
      if (waiting !== undefined) {
        // Merging takes no room, so it is accepted even when the queue is full.
        this.#coalescing.merge(waiting, item);
        return true;
      }
    }
    if (this.queued >= this.#maxQueued) {
      this.drop(1, 'queue_full');
      return false;
    }
    this.#pending.set(key, this.#coalescing === undefined ? item : this.#coalescing.copy(item));
    this.#arm(this.#pending.size >= this.#maxBatch);
    return true;
  }

  /** Counts items a facade refused before queueing them. */
  drop(count: number, reason: DropReason): void {
    this.#dropped += count;
    this.#onDrop(count, reason);
  }

  /**
   * Writes what waits now, batch by batch, without waiting for the timer or a backoff. Rejects with the
   * write's error when one fails; the items stay queued and the retry timer is armed.
   */
  async flush(): Promise<void> {
    if (this.#writing !== undefined) await this.#writing.catch(() => {}); // its failure is the timer's to retry
    // Batches are cut from what waits at the call; items arriving meanwhile wait for the timer, so a
    // steady stream cannot keep flush() from returning.
    let batches = Math.ceil(this.#pending.size / this.#maxBatch);
    while (batches-- > 0 && this.#pending.size > 0) await this.#writeBatch();
  }

  /**
   * Stops the timers, writes what waits (up to `closeAttempts` tries per batch, waiting the backoff
   * between tries on a timer that keeps the process alive), then counts whatever is left as dropped.
   * Later enqueues are dropped. Resolves in every case: a drain must end.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    if (this.#writing !== undefined) await this.#writing.catch(() => {}); // retried below
    let attempts = 0;
    while (this.#pending.size > 0 && attempts < this.#closeAttempts) {
      try {
        await this.#writeBatch();
        attempts = 0;
      } catch {
        // Reported through onWriteError by #writeBatch; try again after the backoff, up to the limit.
        attempts += 1;
        if (attempts < this.#closeAttempts) await this.#sleep(this.#backoffMs());
      }
    }
    if (this.#pending.size > 0) {
      const left = this.#pending.size;
      this.#pending.clear();
      this.drop(left, 'unwritten_at_close');
    }
  }

  #sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.#scheduler.setTimeout(resolve, delayMs, true));
  }

  #backoffMs(): number {
    return backoffDelayMs(this.#failures, this.#retryPolicy, this.#random);
  }

  /**
   * Makes sure a write is coming: within `flushIntervalMs`, or at once when `urgent` (a full batch).
   * A write in flight arms the next one when it ends; a backoff timer is never shortened.
   */
  #arm(urgent: boolean): void {
    if (this.#closed || this.#writing !== undefined) return;
    if (this.#timer !== undefined && (this.#timerUrgent || !urgent || this.#failures > 0)) return;
    this.#clearTimer();
    this.#setTimer(urgent ? 0 : this.#flushIntervalMs, urgent);
  }

  #setTimer(delayMs: number, urgent: boolean): void {
    this.#timerUrgent = urgent;
    this.#timer = this.#scheduler.setTimeout(
      () => {
        this.#timer = undefined;
        // A failure has been reported through onWriteError and has armed the retry timer.
        this.#writeBatch().catch(() => {});
      },
      delayMs,
      false,
    );
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    this.#scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Writes the oldest `maxBatch` items; on failure puts them back in front and arms the retry. */
  #writeBatch(): Promise<void> {
    if (this.#writing !== undefined) return this.#writing;
    if (this.#pending.size === 0) return Promise.resolve();
    this.#clearTimer();
    const taken: Array<[string, T]> = [];
    for (const entry of this.#pending) {
      taken.push(entry);
      this.#pending.delete(entry[0]);
      if (taken.length === this.#maxBatch) break;
    }
    this.#inFlight = taken.length;
    const writing = this.#attempt(taken);
    this.#writing = writing;
    return writing;
  }

  async #attempt(taken: Array<[string, T]>): Promise<void> {
    try {
      await this.#write(taken.map((entry) => entry[1]));
      this.#failures = 0;
    } catch (error) {
      this.#restore(taken);
      this.#failures += 1;
      this.#onWriteError(error, this.#failures);
      throw error;
    } finally {
      this.#inFlight = 0;
      this.#writing = undefined;
      this.#afterWrite();
    }
  }

  #afterWrite(): void {
    if (this.#closed || this.#pending.size === 0) return;
    if (this.#failures > 0) this.#setTimer(this.#backoffMs(), false);
    else this.#arm(this.#pending.size >= this.#maxBatch);
  }

  /** Puts a failed batch back ahead of what arrived meanwhile, merging items that share a key. */
  #restore(taken: Array<[string, T]>): void {
    const pending = new Map(taken);
    for (const [key, item] of this.#pending) {
      const earlier = pending.get(key);
      if (earlier !== undefined && this.#coalescing !== undefined) this.#coalescing.merge(earlier, item);
      else pending.set(key, item);
    }
    this.#pending = pending;
  }
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`${name} must be a number > 0, got ${value}`);
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value > 0))
    throw new RangeError(`${name} must be a whole number > 0, got ${value}`);
  return value;
}
