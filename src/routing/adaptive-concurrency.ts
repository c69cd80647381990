/**
 * Adaptive concurrency per provider key (`providers.<name>.adaptive_concurrency`, opt-in; issue 13): an
 * AIMD limit on the requests in flight on each key, so a burst against a throttling provider waits
 * briefly in the gateway or falls over to another target instead of hammering it with requests that
 * can only come back 429.
 *
 * - Additive increase: each success raises the key's limit by 1/limit (about +1 per limit's worth of
 *   successes), up to `max`.
 * - Multiplicative decrease: a 429 or 529 halves it, down to `min`, at most once per round trip: only a
 *   request sent after the last decrease can cause the next one, so a burst of throttles that all left
 *   at the old limit counts once (TCP's rule). The 429's Retry-After is the key's cooldown's to honour
 *   (attempt.ts); this limit shapes how much goes out once it is over.
 *
 * The attempt plan (pipeline/attempt-plan.ts) takes a slot when it picks a key and passes over a key
 * at its limit; the loop waits up to `max_queue_ms` for a slot when every target is at its limit.
 * Process-local (each instance learns its own share), like the health scores.
 */
export interface AdaptiveConcurrencyPolicy {
  initial: number;
  min: number;
  max: number;
  maxQueueMs: number;
}

export type ConcurrencySignal = 'ok' | 'throttled' | 'other';

export class AdaptiveConcurrency {
  readonly policy: AdaptiveConcurrencyPolicy;
  readonly #limit: Float64Array;
  readonly #inFlight: Int32Array;
  /** performance.now() of each key's last decrease. */
  readonly #decreasedAt: Float64Array;
  #waiters: Array<() => void> = [];

  constructor(keys: number, policy: AdaptiveConcurrencyPolicy) {
    this.policy = policy;
    this.#limit = new Float64Array(keys).fill(policy.initial);
    this.#inFlight = new Int32Array(keys);
    this.#decreasedAt = new Float64Array(keys).fill(Number.NEGATIVE_INFINITY);
  }

  get keys(): number {
    return this.#limit.length;
  }

  /** Takes a slot on key `index` if its limit has room. */
  tryAcquire(index: number): boolean {
    if ((this.#inFlight[index] as number) >= Math.floor(this.#limit[index] as number)) return false;
    this.#inFlight[index] = (this.#inFlight[index] as number) + 1;
    return true;
  }

  /** Gives the slot back with what the attempt taught; `sentAt` is when it was sent (performance.now()). */
  release(index: number, signal: ConcurrencySignal, sentAt: number): void {
    this.#inFlight[index] = Math.max(0, (this.#inFlight[index] as number) - 1);
    const limit = this.#limit[index] as number;
    if (signal === 'throttled') {
      if (sentAt >= (this.#decreasedAt[index] as number)) {
        this.#limit[index] = Math.max(this.policy.min, limit / 2);
        this.#decreasedAt[index] = performance.now();
      }
    } else if (signal === 'ok') {
      this.#limit[index] = Math.min(this.policy.max, limit + 1 / limit);
    }
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves true when a slot is released, false after `timeoutMs` or when `signal` aborts. */
  waitForRelease(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (timeoutMs <= 0 || signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (released: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (!released) this.#waiters = this.#waiters.filter((w) => w !== wake);
        resolve(released);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      const wake = () => done(true);
      this.#waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The current limit and in-flight count of key `index` (admin, tests). */
  view(index: number): { limit: number; inFlight: number } {
    return { limit: this.#limit[index] as number, inFlight: this.#inFlight[index] as number };
  }
}
