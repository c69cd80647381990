/**
 * The generic queue without coalescing (the shape the request log will use): items stay apart and keep
 * their order across a failed write. Spend-specific behaviour is in writer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BatchQueue, realScheduler } from '../../src/store/batch-queue.ts';
import { ManualScheduler } from './manual-scheduler.ts';

describe('BatchQueue', () => {
  it('keeps uncoalesced items apart and in order, a failed batch ahead of newer items', async () => {
    const scheduler = new ManualScheduler();
    const written: number[][] = [];
    let fail = true;
    const queue = new BatchQueue<number>({
      scheduler,
      random: () => 0,
      retry: { baseMs: 100, maxMs: 100 },
      maxBatch: 3,
      write: async (batch) => {
        if (fail) {
          fail = false;
          throw new Error('down');
        }
        written.push(batch);
      },
    });
    for (const item of [1, 1, 2]) queue.enqueue(item);
    await scheduler.advance(0); // a full batch goes at once, and fails
    for (const item of [3, 4]) queue.enqueue(item);
    expect(queue.queued).toBe(5);
    await scheduler.advance(50);
    expect(written).toEqual([[1, 1, 2]]);
    await scheduler.advance(499); // what is left is less than a batch: it waits for the interval
    expect(written).toHaveLength(1);
    await scheduler.advance(1);
    expect(written).toEqual([
      [1, 1, 2],
      [3, 4],
    ]);
  });

  it('arms background timers that do not hold the process open', () => {
    const handle = realScheduler.setTimeout(() => {}, 60_000, false) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    realScheduler.clearTimeout(handle);
    const drain = realScheduler.setTimeout(() => {}, 60_000, true) as NodeJS.Timeout;
    expect(drain.hasRef()).toBe(true);
    realScheduler.clearTimeout(drain);
  });
});
