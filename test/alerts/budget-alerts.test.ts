import { describe, expect, it } from 'vitest';
import {
  budgetThresholdAlerts,
  highestThresholdReached,
  periodOf,
  type TenantBudget,
} from '../../src/alerts/budget-alerts.ts';

const at = (iso: string) => Date.parse(iso);

describe('periodOf (UTC day and month)', () => {
  it('names the day and month and gives their bounds', () => {
    const now = at('2026-12-07T15:30:00Z');
    expect(periodOf('day', now)).toEqual({
      key: 'd2026-12-07',
      startMs: at('2026-12-07T00:00:00Z'),
      endMs: at('2026-12-08T00:00:00Z'),
    });
    expect(periodOf('month', now)).toEqual({
      key: 'm2026-12',
      startMs: at('2026-12-01T00:00:00Z'),
      endMs: at('2027-01-01T00:00:00Z'),
    });
  });

  it('turns over exactly at midnight UTC at the end of a year', () => {
    const lastMs = at('2026-12-31T23:59:59.999Z');
    expect(periodOf('day', lastMs).key).toBe('d2026-12-31');
    expect(periodOf('day', lastMs).endMs).toBe(at('2027-01-01T00:00:00Z'));
    expect(periodOf('month', lastMs).key).toBe('m2026-12');
    const firstMs = lastMs + 1;
    expect(periodOf('day', firstMs).key).toBe('d2027-01-01');
    expect(periodOf('month', firstMs)).toEqual({
      key: 'm2027-01',
      startMs: firstMs,
      endMs: at('2027-02-01T00:00:00Z'),
    });
    // And back again: the remembered period is not handed out for an instant outside it.
    expect(periodOf('day', lastMs).key).toBe('d2026-12-31');
    expect(periodOf('month', lastMs).key).toBe('m2026-12');
  });

  it('knows leap days', () => {
    const leapDay = at('2028-02-29T12:00:00Z');
    expect(periodOf('day', leapDay)).toEqual({
      key: 'd2028-02-29',
      startMs: at('2028-02-29T00:00:00Z'),
      endMs: at('2028-03-01T00:00:00Z'),
    });
    expect(periodOf('month', leapDay)).toEqual({
      key: 'm2028-02',
      startMs: at('2028-02-01T00:00:00Z'),
      endMs: at('2028-03-01T00:00:00Z'),
    });
    expect(periodOf('day', at('2027-02-28T23:00:00Z')).endMs).toBe(at('2027-03-01T00:00:00Z'));
    expect(periodOf('month', at('2027-02-10T00:00:00Z')).endMs).toBe(at('2027-03-01T00:00:00Z'));
  });

  it('uses UTC, not the local time zone, at a month end', () => {
    // 2026-04-30T23:30Z is already May 1st east of UTC; the period is still April's.
    expect(periodOf('month', at('2026-04-30T23:30:00Z')).key).toBe('m2026-04');
    expect(periodOf('day', at('2026-05-01T00:00:00Z')).key).toBe('d2026-05-01');
  });
});

describe('highestThresholdReached', () => {
  it('counts a threshold reached at exactly its share, without binary rounding errors', () => {
    expect(highestThresholdReached(0.4, 0.5)).toBe(80);
    expect(highestThresholdReached(0.57, 0.57)).toBe(100);
    expect(highestThresholdReached(0.285, 0.57)).toBe(50);
    expect(highestThresholdReached(0.2849, 0.57)).toBe(0);
  });

  it('reaches nothing without a positive budget or spend', () => {
    expect(highestThresholdReached(5, 0)).toBe(0);
    expect(highestThresholdReached(0, 10)).toBe(0);
    expect(highestThresholdReached(Number.NaN, 10)).toBe(0);
  });
});

describe('budgetThresholdAlerts', () => {
  const budget: TenantBudget = { usd: 50, period: 'day', mode: 'hard' };
  const nowMs = at('2026-12-07T10:00:00Z');

  /** Feeds settles in order, remembering what was raised, as the spend monitor does. */
  function settleSequence(spends: number[], forBudget = budget) {
    let raised = 0;
    const fired: Array<{ after: number; conditions: string[] }> = [];
    for (const spentUsd of spends) {
      const alerts = budgetThresholdAlerts({
        tenant: 'acme',
        budget: forBudget,
        spentUsd,
        alreadyRaisedPercent: raised,
        nowMs,
      });
      for (const alert of alerts) raised = Math.max(raised, alert.details.threshold_percent as number);
      fired.push({ after: spentUsd, conditions: alerts.map((alert) => alert.condition) });
    }
    return fired.filter((entry) => entry.conditions.length > 0);
  }

  it('raises 50, 80 and 100 % once each as spend grows', () => {
    expect(settleSequence([10, 24.99, 25, 30, 39.99, 40, 45, 49.99, 50, 60, 70])).toEqual([
      { after: 25, conditions: ['budget:acme:day:50'] },
      { after: 40, conditions: ['budget:acme:day:80'] },
      { after: 50, conditions: ['budget:acme:day:100'] },
    ]);
  });

  it('raises every threshold a single jump crosses', () => {
    expect(settleSequence([20, 42, 44, 55])).toEqual([
      { after: 42, conditions: ['budget:acme:day:50', 'budget:acme:day:80'] },
      { after: 55, conditions: ['budget:acme:day:100'] },
    ]);
    expect(settleSequence([51])).toEqual([
      { after: 51, conditions: ['budget:acme:day:50', 'budget:acme:day:80', 'budget:acme:day:100'] },
    ]);
  });

  it('builds alerts with the period key, the figures and a sentence saying what happens next', () => {
    const [alert] = budgetThresholdAlerts({
      tenant: 'acme',
      budget: { usd: 500, period: 'month', mode: 'soft' },
      spentUsd: 512.5,
      alreadyRaisedPercent: 80,
      nowMs,
    });
    expect(alert).toEqual({
      kind: 'budget_threshold',
      condition: 'budget:acme:month:100',
      period: 'm2026-12',
      tenant: 'acme',
      message: expect.stringContaining('$512.50 of its $500.00 monthly budget'),
      details: {
        threshold_percent: 100,
        spent_usd: 512.5,
        budget_usd: 500,
        budget_period: 'month',
        budget_mode: 'soft',
      },
      at: nowMs,
    });
    expect(alert?.message).toContain('soft budget');
    const [hard] = budgetThresholdAlerts({
      tenant: 'acme',
      budget,
      spentUsd: 50,
      alreadyRaisedPercent: 80,
      nowMs,
    });
    expect(hard?.message).toContain('refused');
  });
});
