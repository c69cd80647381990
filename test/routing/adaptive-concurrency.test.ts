import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from '../../src/routing/adaptive-concurrency.ts';

const policy = { initial: 8, min: 1, max: 10, maxQueueMs: 100 };

describe('AdaptiveConcurrency (AIMD per key)', () => {
  it('admits up to the limit, per key', () => {
    const limiter = new AdaptiveConcurrency(2, policy);
    for (let i = 0; i < 8; i++) expect(limiter.tryAcquire(0)).toBe(true);
    expect(limiter.tryAcquire(0)).toBe(false);
    expect(limiter.tryAcquire(1)).toBe(true);
    expect(limiter.view(0)).toEqual({ limit: 8, inFlight: 8 });
  });

  it('halves on a throttle once per round trip, and grows by about one per limit of successes', () => {
    const limiter = new AdaptiveConcurrency(1, policy);
    const sentBefore = performance.now();
    for (let i = 0; i < 8; i++) limiter.tryAcquire(0);
    limiter.release(0, 'throttled', sentBefore);
    // The other throttles of the same burst left before the decrease: they count once.
    for (let i = 0; i < 3; i++) limiter.release(0, 'throttled', sentBefore);
    expect(limiter.view(0).limit).toBe(4);
    // A request sent after the decrease that is throttled again halves it again.
    limiter.tryAcquire(0);
    limiter.release(0, 'throttled', performance.now());
    expect(limiter.view(0).limit).toBe(2);
    for (let i = 0; i < 2; i++) {
      limiter.tryAcquire(0);
      limiter.release(0, 'ok', performance.now());
    }
    expect(limiter.view(0).limit).toBeCloseTo(2 + 1 / 2 + 1 / 2.5, 5);
    // Bounded both ways.
    for (let i = 0; i < 200; i++) limiter.release(0, 'ok', performance.now());
    expect(limiter.view(0).limit).toBe(10);
    for (let i = 0; i < 20; i++) {
      limiter.tryAcquire(0);
      limiter.release(0, 'throttled', performance.now() + 1);
    }
    expect(limiter.view(0).limit).toBe(1);
  });

  it('wakes a waiter when a slot is released, and gives up after the timeout or an abort', async () => {
    const limiter = new AdaptiveConcurrency(1, { ...policy, initial: 1 });
    limiter.tryAcquire(0);
    const controller = new AbortController();
    const waiting = limiter.waitForRelease(1_000, controller.signal);
    limiter.release(0, 'ok', performance.now());
    expect(await waiting).toBe(true);
    expect(await limiter.waitForRelease(5, controller.signal)).toBe(false);
    const aborted = limiter.waitForRelease(1_000, controller.signal);
    controller.abort();
    expect(await aborted).toBe(false);
  });
});
