/**
 * The request log of a SQLite file store is written by a worker thread (sqlite-log-worker.ts) with its
 * own connection: inserting rows, maintaining indexes and rollups, and WAL checkpoints cost about 5 µs
 * of CPU per request (`node bench/log-insert-cost.ts`: 4.5 µs a row, plus the clone's rebuild), which
 * would otherwise run on the event loop between requests. The main thread only hands each batch over
 * (a structured clone of each row's fields as an array: request-row-wire.ts). `:memory:` databases
 * cannot be shared between connections, so they keep writing on the main thread (sqlite.ts).
 */
import { Worker } from 'node:worker_threads';
import type { RequestRow } from './request-log.ts';
import { rowToWire } from './request-row-wire.ts';

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

export class SqliteLogThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #dead: Error | undefined;

  constructor(path: string, busyTimeoutMs: number) {
    this.#worker = new Worker(new URL('./sqlite-log-worker.ts', import.meta.url), {
      workerData: { path, busyTimeoutMs },
    });
    // Idle, the thread must not keep the process alive; with a batch in flight it must (shutdown drains).
    this.#worker.unref();
    this.#worker.on('message', (message: { id: number; error?: string }) => {
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (message.error === undefined) pending.resolve();
      else pending.reject(new Error(message.error));
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) =>
      this.#fail(new Error(`the request-log writer thread exited (${code})`)),
    );
  }

  /** Writes one batch in one transaction on the thread; rejects when it failed (the writer retries). */
  insert(rows: readonly RequestRow[]): Promise<void> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ id, rows: rows.map(rowToWire) });
    });
  }

  /** Whether the thread died (the store then writes on its own connection). */
  get dead(): boolean {
    return this.#dead !== undefined;
  }

  async close(): Promise<void> {
    this.#dead ??= new Error('the store is closed');
    await this.#worker.terminate();
  }

  #fail(error: Error): void {
    this.#dead ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
