/** A Scheduler driven by the test: timers fire only when `advance` moves the clock past them. */
import type { Scheduler } from '../../src/store/batch-queue.ts';

interface Timer {
  id: number;
  dueMs: number;
  fn: () => void;
  keepAlive: boolean;
}

export class ManualScheduler implements Scheduler {
  nowMs = 0;
  #timers: Timer[] = [];
  #nextId = 1;

  setTimeout(fn: () => void, delayMs: number, keepAlive: boolean): unknown {
    const timer = { id: this.#nextId++, dueMs: this.nowMs + delayMs, fn, keepAlive };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** Delays of the timers now armed, from the current time. */
  get armed(): Array<{ inMs: number; keepAlive: boolean }> {
    return this.#timers.map((timer) => ({ inMs: timer.dueMs - this.nowMs, keepAlive: timer.keepAlive }));
  }

  /**
   * Moves the clock `ms` forward, firing due timers in order and letting the promise chains they start
   * settle (a write and its bookkeeping) before looking for the next.
   */
  async advance(ms: number): Promise<void> {
    const until = this.nowMs + ms;
    for (;;) {
      await settle();
      const due = this.#timers.filter((timer) => timer.dueMs <= until).sort((a, b) => a.dueMs - b.dueMs)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.nowMs = due.dueMs;
      due.fn();
    }
    this.nowMs = until;
    await settle();
  }
}

/** Lets pending promise callbacks run (a fake store answers within a few microtask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
