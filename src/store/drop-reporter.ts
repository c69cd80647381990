/**
 * Logs dropped store rows at most once per interval per queue and reason, with the count since the last
 * line. A stalled store drops a row per request: a warning per row would add a log line to every
 * request at the moment the process is under the most pressure. The metric counts every row anyway.
 */
import type { DropReason, WriterQueue } from './writer.ts';

export class DropReporter {
  readonly #intervalMs: number;
  readonly #log: (queue: WriterQueue, reason: DropReason, count: number) => void;
  readonly #clock: () => number;
  /** Per `queue:reason`: rows dropped since the last line, and when that line was written. */
  readonly #pending = new Map<string, { count: number; loggedAt: number }>();

  constructor(
    log: (queue: WriterQueue, reason: DropReason, count: number) => void,
    intervalMs = 10_000,
    clock: () => number = Date.now,
  ) {
    this.#log = log;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  dropped(queue: WriterQueue, reason: DropReason, count: number): void {
    const key = `${queue}:${reason}`;
    const now = this.#clock();
    const entry = this.#pending.get(key);
    if (entry === undefined || now - entry.loggedAt >= this.#intervalMs) {
      this.#log(queue, reason, (entry?.count ?? 0) + count);
      this.#pending.set(key, { count: 0, loggedAt: now });
    } else entry.count += count;
  }

  /** Logs the drops not yet logged: at close, the process may end before the next interval. */
  flush(): void {
    for (const [key, entry] of this.#pending) {
      if (entry.count === 0) continue;
      const [queue, reason] = key.split(':') as [WriterQueue, DropReason];
      this.#log(queue, reason, entry.count);
      entry.count = 0;
    }
  }
}
