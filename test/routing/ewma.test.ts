import { describe, expect, it } from 'vitest';
import { DecayingRate, Ewma } from '../../src/routing/ewma.ts';

describe('Ewma', () => {
  it('starts at the first sample and moves alpha of the way towards each next one', () => {
    const average = new Ewma(0.2);
    expect(average.value).toBeUndefined();
    average.add(100);
    expect(average.value).toBe(100);
    average.add(200);
    expect(average.value).toBeCloseTo(120, 10);
    expect(average.samples).toBe(2);
  });
});

describe('DecayingRate', () => {
  it('is 1 without evidence and leans on the prior while evidence is thin', () => {
    const rate = new DecayingRate(10_000, 5);
    expect(rate.rate(0)).toBe(1);
    rate.add(false, 0);
    expect(rate.rate(0)).toBeCloseTo(5 / 6, 10);
  });

  it('forgets old outcomes with the half-life, drifting back to healthy', () => {
    const rate = new DecayingRate(10_000, 5);
    for (let i = 0; i < 100; i++) rate.add(false, 1_000);
    expect(rate.rate(1_000)).toBeCloseTo(5 / 105, 10);
    expect(rate.weight(11_000)).toBeCloseTo(50, 6);
    expect(rate.rate(11_000)).toBeCloseTo(5 / 55, 6);
    expect(rate.rate(201_000)).toBeGreaterThan(0.99);
  });
});
