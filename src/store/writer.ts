/**
 * The store's asynchronous writer: what the request path hands to the store goes through here, so no
 * request waits on a disk or a database (docs/style.md §2.9). Spend coalesces per tenant and UTC hour in
 * memory and reaches the store as one `addSpend` transaction per batch (batch-queue.ts has the timing,
 * bound and retry rules). The request log is a second queue (one row per request, not coalesced).
 *
 * When the queue is full, new entries are dropped and counted (`dropped`, `onDrop`): losing a little
 * ledger while the store is away beats holding requests or growing memory without bound. The state's
 * budget counters are unaffected (they are the authority for admission); the ledger is for reports.
 *
 * Shutdown: `close()` writes what waits, then stops; close the store after it.
 */
import { BatchQueue, type BatchQueueOptions, type DropReason } from './batch-queue.ts';
import { type RequestRow, requestRowProblem } from './request-log.ts';
import { spendEntryProblem, spendKey } from './spend-entries.ts';
import type { SpendEntry, Store } from './types.ts';

export type { DropReason } from './batch-queue.ts';

/** Which queue a hook call is about (a metric label: `switchyard_store_dropped_total{queue,reason}`). */
export type WriterQueue = 'spend' | 'requests';

export interface StoreWriterOptions
  extends Pick<
    BatchQueueOptions<SpendEntry>,
    'flushIntervalMs' | 'maxBatch' | 'maxQueued' | 'retry' | 'closeAttempts' | 'scheduler' | 'random'
  > {
  onDrop?(queue: WriterQueue, count: number, reason: DropReason): void;
  /** A batch failed to write and will be retried; for the log. */
  onWriteError?(queue: WriterQueue, error: unknown, retry: number): void;
  /** An entry refused as malformed, with why; for the log (the caller has a bug). */
  onInvalid?(queue: WriterQueue, problem: string): void;
  /**
   * The request log's own bound and batch size (it does not coalesce: one item per request). Default
   * 10,000 queued, 100 per batch: a batch is one short transaction (about 1 ms of SQLite work), so one
   * sharing a CPU with the event loop delays a request by at most that much (issue 18: at 500 a batch
   * is about 5 ms, which a request arriving meanwhile waits out when the two share a CPU).
   */
  requests?: { maxQueued?: number; maxBatch?: number };
}

/** Request-log rows per batch (see `StoreWriterOptions.requests`). */
const REQUEST_BATCH = 100;

export class StoreWriter {
  readonly #spend: BatchQueue<SpendEntry>;
  readonly #requests: BatchQueue<RequestRow>;
  readonly #onInvalid: (queue: WriterQueue, problem: string) => void;

  constructor(store: Pick<Store, 'addSpend' | 'insertRequests'>, options: StoreWriterOptions = {}) {
    const { onDrop, onWriteError, onInvalid, requests, ...timing } = options;
    this.#onInvalid = onInvalid ?? (() => {});
    this.#spend = new BatchQueue<SpendEntry>({
      ...timing,
      write: (batch) => store.addSpend(batch),
      coalescing: {
        keyOf: spendKey,
        copy: (entry) => ({
          tenant: entry.tenant,
          hourStart: entry.hourStart,
          usd: entry.usd,
          requests: entry.requests,
        }),
        merge: (into, entry) => {
          into.usd += entry.usd;
          into.requests += entry.requests;
        },
      },
      onDrop: (count, reason) => onDrop?.('spend', count, reason),
      onWriteError: (error, retry) => onWriteError?.('spend', error, retry),
    });
    this.#requests = new BatchQueue<RequestRow>({
      ...timing,
      maxQueued: requests?.maxQueued ?? timing.maxQueued ?? 10_000,
      maxBatch: requests?.maxBatch ?? REQUEST_BATCH,
      write: (batch) => store.insertRequests(batch),
      onDrop: (count, reason) => onDrop?.('requests', count, reason),
      onWriteError: (error, retry) => onWriteError?.('requests', error, retry),
    });
  }

  /** Queues a request-log row and returns at once; false when it was dropped (malformed, queue full, closed). */
  enqueueRequest(row: RequestRow): boolean {
    const problem = requestRowProblem(row);
    if (problem !== undefined) {
      this.#onInvalid('requests', problem);
      this.#requests.drop(1, 'invalid');
      return false;
    }
    return this.#requests.enqueue(row);
  }

  /** Request-log rows waiting or being written (a gauge). */
  get queuedRequests(): number {
    return this.#requests.queued;
  }

  /**
   * Queues spend for the ledger and returns at once; false when the entry was dropped (malformed, queue
   * full, or the writer closed). `hourStart` must be a UTC hour start (spend-entries.ts `utcHourStart`).
   */
  enqueueSpend(entry: SpendEntry): boolean {
    // Checked here, not at write time: one bad entry in a batch would fail that batch on every retry.
    const problem = spendEntryProblem(entry);
    if (problem !== undefined) {
      this.#onInvalid('spend', problem);
      this.#spend.drop(1, 'invalid');
      return false;
    }
    return this.#spend.enqueue(entry);
  }

  /** Entries dropped since start, every queue and reason. */
  get dropped(): number {
    return this.#spend.dropped + this.#requests.dropped;
  }

  /** Entries waiting or being written, every queue (a gauge). */
  get queued(): number {
    return this.#spend.queued + this.#requests.queued;
  }

  /** Writes what waits now; rejects if a write fails (the entries stay queued and are retried). */
  async flush(): Promise<void> {
    await Promise.all([this.#spend.flush(), this.#requests.flush()]);
  }

  /** Writes what waits (a few tries), then stops; later entries are dropped. Always resolves. */
  async close(): Promise<void> {
    await Promise.all([this.#spend.close(), this.#requests.close()]);
  }
}
