import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundTurn, liveRequestBegan, liveRequestEnded } from '../../src/server/background-turn.ts';

/** Whether the promise has settled, after letting pending immediates and microtasks run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('backgroundTurn', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'performance'] });
    // Start well past any earlier live request.
    vi.advanceTimersByTime(1_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets background work go on at once when no live request is in flight', async () => {
    expect(await settled(backgroundTurn())).toBe(true);
  });

  it('waits while a live request is in flight and resumes once the gateway has been quiet', async () => {
    liveRequestBegan();
    const turn = backgroundTurn();
    expect(await settled(turn)).toBe(false);
    await vi.advanceTimersByTimeAsync(4);
    expect(await settled(turn)).toBe(false);
    liveRequestEnded();
    // Quiet means no request in flight and none ended in the last 2 ms.
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(turn)).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(await settled(turn)).toBe(true);
  });

  it('still makes progress under constant live load: a turn at least every 10 ms', async () => {
    liveRequestBegan();
    try {
      const turn = backgroundTurn();
      await vi.advanceTimersByTimeAsync(9);
      expect(await settled(turn)).toBe(false);
      await vi.advanceTimersByTimeAsync(2);
      expect(await settled(turn)).toBe(true);
    } finally {
      liveRequestEnded();
    }
  });
});
