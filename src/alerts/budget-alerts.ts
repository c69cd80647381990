/**
 * Budget threshold alerts (docs/design.md §1 `budget`): when a tenant's spent figure for its period reaches
 * 50, 80 and 100 % of its budget, one alert each, per period. Pure: the clock reading comes in, and what
 * was already raised is the caller's to remember (spend-monitor.ts keeps it per tenant and period).
 *
 * Periods are UTC calendar days and months, named `d2026-12-07` and `m2026-12`: the budget stage keys
 * its state counters by the same `periodOf(...).key`, so an alert and the figure behind it always agree
 * on which period they mean.
 */
import { type BudgetPeriod, periodOf } from '../limits/budget-period.ts';
import type { Alert } from './types.ts';

export { type BudgetPeriod, periodOf };

export type { BudgetPeriodKind } from '../limits/budget-period.ts';
import type { BudgetPeriodKind } from '../limits/budget-period.ts';

export interface TenantBudget {
  usd: number;
  period: BudgetPeriodKind;
  /** hard: requests are refused once the budget is spent; soft: they continue and only alert. */
  mode: 'hard' | 'soft';
}

export const BUDGET_THRESHOLDS_PERCENT = [50, 80, 100] as const;

/**
 * The highest threshold (50, 80, 100) that `spentUsd` has reached, 0 below the first. A budget of 0 or
 * less has no percentages and reaches none. Compared in whole micro-dollars so that, say, $0.40 of a
 * $0.50 budget is exactly 80 % rather than 79.99999… in binary floating point.
 */
export function highestThresholdReached(spentUsd: number, budgetUsd: number): number {
  if (!(budgetUsd > 0) || !(spentUsd > 0)) return 0;
  const spentMicro = Math.round(spentUsd * 1e6) * 100;
  const budgetMicro = Math.round(budgetUsd * 1e6);
  let reached = 0;
  for (const threshold of BUDGET_THRESHOLDS_PERCENT) {
    if (spentMicro >= threshold * budgetMicro) reached = threshold;
  }
  return reached;
}

export interface ThresholdCheck {
  tenant: string;
  budget: TenantBudget;
  /** The period's spent figure after the settle. */
  spentUsd: number;
  /** The highest threshold already raised in this period (0: none). */
  alreadyRaisedPercent: number;
  nowMs: number;
}

/**
 * One alert for every threshold above `alreadyRaisedPercent` that the spent figure has reached: a single
 * expensive request that jumps from 40 % to 85 % raises both the 50 % and the 80 % alert.
 */
export function budgetThresholdAlerts(check: ThresholdCheck): Alert[] {
  const reached = highestThresholdReached(check.spentUsd, check.budget.usd);
  if (reached <= check.alreadyRaisedPercent) return [];
  const period = periodOf(check.budget.period, check.nowMs);
  const alerts: Alert[] = [];
  for (const threshold of BUDGET_THRESHOLDS_PERCENT) {
    if (threshold <= check.alreadyRaisedPercent || threshold > reached) continue;
    alerts.push(thresholdAlert(check, threshold, period.key));
  }
  return alerts;
}

/** `budget:<tenant>:<day|month>:<threshold>`. */
export function budgetThresholdCondition(
  tenant: string,
  period: BudgetPeriodKind,
  threshold: number,
): string {
  return `budget:${tenant}:${period}:${threshold}`;
}

function thresholdAlert(check: ThresholdCheck, threshold: number, periodKey: string): Alert {
  const { tenant, budget, spentUsd } = check;
  const span = budget.period === 'day' ? 'daily' : 'monthly';
  const consequence =
    threshold < 100
      ? ''
      : budget.mode === 'hard'
        ? '; further requests are refused until the period ends'
        : '; requests continue (soft budget)';
  return {
    kind: 'budget_threshold',
    condition: budgetThresholdCondition(tenant, budget.period, threshold),
    period: periodKey,
    message: `Tenant ${tenant} has spent ${formatUsd(spentUsd)} of its ${formatUsd(budget.usd)} ${span} budget (${threshold} % threshold reached${consequence}).`,
    tenant,
    details: {
      threshold_percent: threshold,
      spent_usd: spentUsd,
      budget_usd: budget.usd,
      budget_period: budget.period,
      budget_mode: budget.mode,
    },
    at: check.nowMs,
  };
}

/** Dollars for a human: cents, or four decimals below a dollar so small budgets still read. */
export function formatUsd(usd: number): string {
  return `$${usd >= 1 ? usd.toFixed(2) : usd.toFixed(4)}`;
}
