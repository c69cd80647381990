import { describe, expect, it } from 'vitest';
import {
  type HealthPolicy,
  healthScore,
  MIN_SCORE,
  ProbeHealth,
  passiveScore,
  recoveryFactor,
  TargetHealth,
} from '../../src/routing/health.ts';

const policy: HealthPolicy = {
  healthyRate: 0.95,
  deadRate: 0.5,
  halfLifeMs: 30_000,
  minimumRequests: 20,
  recoveryMs: 10_000,
};

describe('health score', () => {
  it('maps success rates: ≥ healthyRate is 1, ≤ deadRate the minimum, linear between', () => {
    expect(passiveScore(0.99, policy)).toBe(1);
    expect(passiveScore(0.95, policy)).toBe(1);
    expect(passiveScore(0.5, policy)).toBe(MIN_SCORE);
    expect(passiveScore(0.1, policy)).toBe(MIN_SCORE);
    expect(passiveScore(0.725, policy)).toBeCloseTo(MIN_SCORE + (1 - MIN_SCORE) / 2, 10);
  });

  it('ignores a handful of failures until the minimum volume is in', () => {
    const health = new TargetHealth(policy.halfLifeMs);
    for (let i = 0; i < 10; i++) health.outcomes.add(false, 1_000);
    expect(healthScore(health, new ProbeHealth(), 0, 1_000, policy)).toBe(1);
    for (let i = 0; i < 20; i++) health.outcomes.add(i % 2 === 0, 1_000);
    const score = healthScore(health, new ProbeHealth(), 0, 1_000, policy);
    expect(score).toBeLessThan(0.2);
    expect(score).toBeGreaterThanOrEqual(MIN_SCORE);
  });

  it('halves for each failed probe in a row and recovers with the next good probe', () => {
    const probe = new ProbeHealth();
    const health = new TargetHealth(policy.halfLifeMs);
    probe.record(false, undefined, 1, 'ECONNREFUSED');
    probe.record(false, undefined, 2, 'ECONNREFUSED');
    expect(healthScore(health, probe, 0, 3, policy)).toBe(0.25);
    probe.record(true, 12, 4, null);
    expect(healthScore(health, probe, 0, 5, policy)).toBe(1);
  });

  it('ramps traffic back up linearly after a breaker closes (gradual recovery)', () => {
    expect(recoveryFactor(0, 5_000, policy)).toBe(1);
    expect(recoveryFactor(1_000, 1_000, policy)).toBe(0.1);
    expect(recoveryFactor(1_000, 6_000, policy)).toBeCloseTo(0.55, 10);
    expect(recoveryFactor(1_000, 11_000, policy)).toBe(1);
  });
});
