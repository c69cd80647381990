/**
 * The hold an instance has on a provider batch row while it sends it (docs/batches.md "Exactly once
 * across crashes"). The row's `next_poll_at` is the end of its send grace; no other instance touches the
 * row before then. A send can outlast one grace (a slow live path: hundreds of lines a second apart; an
 * upload and create near their timeouts), so while it runs the sender moves `next_poll_at` forward
 * every third of the grace with the same compare-and-set that took the row (`takeProviderBatch`).
 * Another instance takes the row over only once a whole grace passed without a renewal: the sender
 * died, or has lost the store. A renewal that finds the row moved means it was taken over (or the
 * sender's own last write moved it): `lost` turns true and is never renewed again, and a sender still at
 * work stops sending.
 */
import type { Logger } from '../observability/logger.ts';
import type { BatchStore } from '../store/batch-types.ts';

/** Renewals per grace: two may fail (a store hiccup) before the hold lapses. */
const RENEWALS_PER_GRACE = 3;

export class SendLease {
  readonly #store: BatchStore;
  readonly #id: string;
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #logger: Logger;
  /** The `next_poll_at` this instance last wrote: what the next renewal compares against. */
  #heldUntil: number;
  #lost = false;
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(options: {
    store: BatchStore;
    id: string;
    /** The `next_poll_at` the row was taken (or created) with. */
    heldUntil: number;
    graceMs: number;
    now: () => number;
    logger: Logger;
  }) {
    this.#store = options.store;
    this.#id = options.id;
    this.#heldUntil = options.heldUntil;
    this.#graceMs = options.graceMs;
    this.#now = options.now;
    this.#logger = options.logger;
  }

  /** The row is no longer this instance's to send. */
  get lost(): boolean {
    return this.#lost;
  }

  start(): this {
    this.#timer = setInterval(
      () => this.#renew(),
      Math.max(1, Math.floor(this.#graceMs / RENEWALS_PER_GRACE)),
    );
    this.#timer.unref();
    return this;
  }

  /** Stops renewing, and waits for a renewal in flight so none lands after the caller's next write. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
  }

  #renew(): void {
    if (this.#renewing !== undefined || this.#lost) return;
    const next = this.#now() + this.#graceMs;
    this.#renewing = this.#store
      .takeProviderBatch(this.#id, this.#heldUntil, next)
      .then(
        (held) => {
          if (held) this.#heldUntil = next;
          else {
            this.#lost = true;
            if (this.#timer !== undefined) clearInterval(this.#timer);
          }
        },
        // The store did not answer: the hold stands until its grace ends; the next renewal tries again.
        (error: unknown) =>
          this.#logger.warn(
            { err: error, provider_batch: this.#id },
            'renewing a provider batch send failed',
          ),
      )
      .finally(() => {
        this.#renewing = undefined;
      });
  }
}
