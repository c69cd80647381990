import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/routing/backoff.ts';

const policy = { baseMs: 200, maxMs: 3_000 };

describe('backoffDelayMs (exponential, equal jitter)', () => {
  it('doubles per retry and keeps at least half of the exponential delay, so it never spins', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(100);
    expect(backoffDelayMs(1, policy, () => 0.999999)).toBe(200);
    expect(backoffDelayMs(2, policy, () => 0)).toBe(200);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(400);
  });

  it('caps at maxMs', () => {
    expect(backoffDelayMs(10, policy, () => 0.999999)).toBe(3_000);
    expect(backoffDelayMs(1_000, policy, () => 0)).toBe(1_500);
  });

  it('spreads delays across the jitter range', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const delays = Array.from({ length: 1_000 }, () => backoffDelayMs(2, policy, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});
