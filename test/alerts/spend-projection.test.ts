import { describe, expect, it } from 'vitest';
import type { TenantBudget } from '../../src/alerts/budget-alerts.ts';
import {
  burnRateAlert,
  projectedOverspendAlert,
  spendProjectionAlerts,
  spendWindowOf,
} from '../../src/alerts/spend-projection.ts';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const dayStart = at('2026-12-07T00:00:00Z');
const daily: TenantBudget = { usd: 24, period: 'day', mode: 'hard' };

/** One row per hour from `fromMs`, each spending `usd`. */
function hourly(fromMs: number, hours: number, usd: number) {
  return Array.from({ length: hours }, (_, i) => ({ hourStart: fromMs + i * HOUR, usd }));
}

describe('projectedOverspendAlert', () => {
  it('stays quiet on plan: half the day gone, half the budget spent', () => {
    const nowMs = dayStart + 12 * HOUR;
    expect(projectedOverspendAlert({ tenant: 'acme', budget: daily, spentUsd: 12, nowMs })).toBeUndefined();
  });

  it('fires when the straight-line projection runs over the budget', () => {
    const nowMs = dayStart + 6 * HOUR;
    const alert = projectedOverspendAlert({ tenant: 'acme', budget: daily, spentUsd: 9, nowMs });
    expect(alert).toMatchObject({
      kind: 'budget_projection',
      condition: 'projection:acme:day',
      period: 'd2026-12-07',
      tenant: 'acme',
      details: { spent_usd: 9, projected_usd: 36, budget_usd: 24, elapsed_fraction: 0.25 },
    });
    expect(alert?.message).toContain('$36.00');
  });

  it('waits for 10 % of the period before trusting a projection', () => {
    // 2 h of 24 is 8 %: $10 would project to $120, but one busy hour early on proves little.
    expect(
      projectedOverspendAlert({ tenant: 'acme', budget: daily, spentUsd: 10, nowMs: dayStart + 2 * HOUR }),
    ).toBeUndefined();
    expect(
      projectedOverspendAlert({ tenant: 'acme', budget: daily, spentUsd: 10, nowMs: dayStart + 3 * HOUR }),
    ).toBeDefined();
  });

  it('leaves a budget already spent to the 100 % threshold alert', () => {
    expect(
      projectedOverspendAlert({ tenant: 'acme', budget: daily, spentUsd: 24, nowMs: dayStart + 6 * HOUR }),
    ).toBeUndefined();
  });

  it('projects a month over its own length', () => {
    const monthly: TenantBudget = { usd: 310, period: 'month', mode: 'soft' };
    // December has 31 days: $10 a day is exactly on plan, $12 a day is not.
    const nowMs = at('2026-12-11T00:00:00Z');
    expect(
      projectedOverspendAlert({ tenant: 'acme', budget: monthly, spentUsd: 100, nowMs }),
    ).toBeUndefined();
    expect(projectedOverspendAlert({ tenant: 'acme', budget: monthly, spentUsd: 120, nowMs })).toMatchObject({
      condition: 'projection:acme:month',
      period: 'm2026-12',
    });
  });
});

describe('burnRateAlert', () => {
  const nowMs = dayStart + 30 * HOUR + 20 * 60_000; // 2026-12-08T06:20Z
  const currentHour = dayStart + 30 * HOUR;
  const baseline = hourly(currentHour - 25 * HOUR, 24, 1); // $1 an hour for the 24 hours before the last

  it('fires when the last complete hour is more than 3× the baseline mean', () => {
    const alert = burnRateAlert('acme', [...baseline, { hourStart: currentHour - HOUR, usd: 3.5 }], nowMs);
    expect(alert).toMatchObject({
      kind: 'spend_burn_rate',
      condition: 'burn_rate:acme',
      period: 'd2026-12-08',
      details: { hour_usd: 3.5, baseline_hourly_usd: 1, hour_start: '2026-12-08T05:00:00.000Z' },
    });
    expect(alert?.message).toContain('3.5×');
  });

  it('sees a spike in the current hour before the hour is over', () => {
    const alert = burnRateAlert('acme', [...baseline, { hourStart: currentHour, usd: 5 }], nowMs);
    expect(alert?.details.hour_start).toBe('2026-12-08T06:00:00.000Z');
  });

  it('stays quiet at or under the multiple', () => {
    expect(
      burnRateAlert('acme', [...baseline, { hourStart: currentHour - HOUR, usd: 3 }], nowMs),
    ).toBeUndefined();
    expect(burnRateAlert('acme', baseline, nowMs)).toBeUndefined();
  });

  it('ignores spikes of cents', () => {
    const cents = hourly(currentHour - 25 * HOUR, 24, 0.01);
    expect(
      burnRateAlert('acme', [...cents, { hourStart: currentHour - HOUR, usd: 0.5 }], nowMs),
    ).toBeUndefined();
  });

  it('fires for a quiet tenant that suddenly spends', () => {
    const alert = burnRateAlert('acme', [{ hourStart: currentHour, usd: 4 }], nowMs);
    expect(alert?.message).toContain('after no spend');
  });

  it('leaves rows outside the baseline window out of the mean', () => {
    // A huge hour two days ago does not raise the bar for today.
    const rows = [
      ...baseline,
      { hourStart: currentHour - 40 * HOUR, usd: 1000 },
      { hourStart: currentHour, usd: 4 },
    ];
    expect(burnRateAlert('acme', rows, nowMs)).toBeDefined();
  });
});

describe('spendWindowOf and spendProjectionAlerts', () => {
  it('covers the period and the burn-rate baseline', () => {
    const nowMs = dayStart + 5 * HOUR + 1;
    expect(spendWindowOf(daily, nowMs)).toEqual({
      fromMs: dayStart + 5 * HOUR - 25 * HOUR,
      toMs: dayStart + 6 * HOUR,
    });
    const monthly: TenantBudget = { usd: 100, period: 'month', mode: 'hard' };
    expect(spendWindowOf(monthly, nowMs).fromMs).toBe(at('2026-12-01T00:00:00Z'));
  });

  it('sums only the period for the projection and runs both rules', () => {
    const nowMs = dayStart + 6 * HOUR;
    // Yesterday's $100 is outside today's period (and far outside the projection); today runs at $2/h.
    const rows = [{ hourStart: dayStart - 3 * HOUR, usd: 100 }, ...hourly(dayStart, 6, 2)];
    const alerts = spendProjectionAlerts('acme', daily, rows, nowMs);
    expect(alerts.map((alert) => alert.kind)).toEqual(['budget_projection']);
    expect(alerts[0]?.details.spent_usd).toBe(12);
  });
});
