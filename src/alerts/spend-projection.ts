/**
 * Early-warning spend rules, run by the spend monitor over the store's hourly ledger (src/store/types.ts
 * SpendRow). Pure: rows, budget and clock reading in, alerts out.
 *
 * (a) Projected overspend: the period's spend so far divided by the elapsed fraction of the period, a
 *     straight-line projection, exceeds the budget. It is only trusted once 10 % of the period has gone
 *     by (2.4 h of a day, about 3 days of a month): earlier, one busy hour extrapolates to a wildly
 *     wrong figure. It stays quiet once the budget is already spent, since the 100 % threshold alert
 *     (budget-alerts.ts) has said so.
 * (b) Burn rate: the most recent hour's spend is more than 3× the mean hourly spend of the 24 complete
 *     hours before it, and at least $1, so a tenant whose baseline is a few cents does not page anyone
 *     for spending a few more. "The most recent hour" is the larger of the current (partial) hour and the
 *     last complete one: a partial hour only grows, so a spike shows as soon as it exceeds the bar,
 *     while the last complete hour keeps a spike visible right after the hour turns. A tenant with no
 *     spend in the baseline (a quiet tenant whose key suddenly spends) alerts once it passes the
 *     minimum: that is the leaked-key case this rule is for. It fires at most once a tenant per UTC day.
 */
import { type BudgetPeriodKind, formatUsd, periodOf, type TenantBudget } from './budget-alerts.ts';
import type { Alert } from './types.ts';

const HOUR_MS = 3_600_000;

export interface SpendRowLike {
  hourStart: number;
  usd: number;
}

export interface ProjectionPolicy {
  /** The share of the period that must have elapsed before a projection is trusted. */
  minElapsedFraction: number;
}

export interface BurnRatePolicy {
  /** The recent hour alerts above this multiple of the baseline's mean hourly spend. */
  multiple: number;
  /** Hours before the recent one that make up the baseline. */
  baselineHours: number;
  /** A recent hour below this never alerts. */
  minHourUsd: number;
}

export const DEFAULT_PROJECTION_POLICY: ProjectionPolicy = { minElapsedFraction: 0.1 };
export const DEFAULT_BURN_RATE_POLICY: BurnRatePolicy = { multiple: 3, baselineHours: 24, minHourUsd: 1 };

export interface ProjectionCheck {
  tenant: string;
  budget: TenantBudget;
  /** Spent in the period containing `nowMs`. */
  spentUsd: number;
  nowMs: number;
}

/** Rule (a): the projection alert, or undefined when the period is on plan (or too young to tell). */
export function projectedOverspendAlert(
  check: ProjectionCheck,
  policy: ProjectionPolicy = DEFAULT_PROJECTION_POLICY,
): Alert | undefined {
  const { tenant, budget, spentUsd, nowMs } = check;
  if (!(budget.usd > 0) || !(spentUsd > 0) || spentUsd >= budget.usd) return undefined;
  const period = periodOf(budget.period, nowMs);
  const elapsedFraction = (nowMs - period.startMs) / (period.endMs - period.startMs);
  if (elapsedFraction < policy.minElapsedFraction) return undefined;
  const projectedUsd = spentUsd / elapsedFraction;
  if (projectedUsd <= budget.usd) return undefined;
  const span = budget.period === 'day' ? 'day' : 'month';
  return {
    kind: 'budget_projection',
    condition: projectionCondition(tenant, budget.period),
    period: period.key,
    message: `Tenant ${tenant} is on course to spend ${formatUsd(projectedUsd)} this ${span}, over its ${formatUsd(budget.usd)} budget (${formatUsd(spentUsd)} spent with ${Math.round(elapsedFraction * 100)} % of the ${span} gone).`,
    tenant,
    details: {
      spent_usd: spentUsd,
      projected_usd: projectedUsd,
      budget_usd: budget.usd,
      budget_period: budget.period,
      budget_mode: budget.mode,
      elapsed_fraction: elapsedFraction,
    },
    at: nowMs,
  };
}

/** `projection:<tenant>:<day|month>`. */
export function projectionCondition(tenant: string, period: BudgetPeriodKind): string {
  return `projection:${tenant}:${period}`;
}

/**
 * `burn_rate:<tenant>`; its period is the UTC day of the hour that spiked (`d2026-12-07`): a sustained
 * spike stays over the bar for several hours (until it dominates its own baseline, about 8), and one
 * page a day per tenant says what needs saying.
 */
export function burnRateCondition(tenant: string): string {
  return `burn_rate:${tenant}`;
}

/** Rule (b): the burn-rate alert, or undefined. `rows` must cover the baseline and the current hour. */
export function burnRateAlert(
  tenant: string,
  rows: readonly SpendRowLike[],
  nowMs: number,
  policy: BurnRatePolicy = DEFAULT_BURN_RATE_POLICY,
): Alert | undefined {
  const currentHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const lastCompleteHour = currentHour - HOUR_MS;
  const baselineStart = lastCompleteHour - policy.baselineHours * HOUR_MS;
  let currentUsd = 0;
  let lastCompleteUsd = 0;
  let baselineUsd = 0;
  for (const row of rows) {
    if (row.hourStart === currentHour) currentUsd += row.usd;
    else if (row.hourStart === lastCompleteHour) lastCompleteUsd += row.usd;
    else if (row.hourStart >= baselineStart && row.hourStart < lastCompleteHour) baselineUsd += row.usd;
  }
  const recentUsd = Math.max(currentUsd, lastCompleteUsd);
  const recentHour = currentUsd >= lastCompleteUsd ? currentHour : lastCompleteHour;
  const baselineHourlyUsd = baselineUsd / policy.baselineHours;
  if (recentUsd < policy.minHourUsd || recentUsd <= policy.multiple * baselineHourlyUsd) return undefined;
  return {
    kind: 'spend_burn_rate',
    condition: burnRateCondition(tenant),
    period: periodOf('day', recentHour).key,
    message:
      baselineHourlyUsd > 0
        ? `Tenant ${tenant} spent ${formatUsd(recentUsd)} in an hour, ${(recentUsd / baselineHourlyUsd).toFixed(1)}× its mean of ${formatUsd(baselineHourlyUsd)} an hour over the previous ${policy.baselineHours} h.`
        : `Tenant ${tenant} spent ${formatUsd(recentUsd)} in an hour after no spend in the previous ${policy.baselineHours} h.`,
    tenant,
    details: {
      hour_usd: recentUsd,
      hour_start: new Date(recentHour).toISOString(),
      baseline_hourly_usd: baselineHourlyUsd,
      baseline_hours: policy.baselineHours,
      multiple: policy.multiple,
    },
    at: nowMs,
  };
}

/** The store range the rules need at `nowMs`: the budget's period and the burn-rate baseline. */
export function spendWindowOf(
  budget: TenantBudget,
  nowMs: number,
  burnRate: BurnRatePolicy = DEFAULT_BURN_RATE_POLICY,
): { fromMs: number; toMs: number } {
  const currentHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const baselineStart = currentHour - (burnRate.baselineHours + 1) * HOUR_MS;
  return {
    fromMs: Math.min(periodOf(budget.period, nowMs).startMs, baselineStart),
    toMs: currentHour + HOUR_MS,
  };
}

/** Both rules over one tenant's hourly rows (which must cover `spendWindowOf`). */
export function spendProjectionAlerts(
  tenant: string,
  budget: TenantBudget,
  rows: readonly SpendRowLike[],
  nowMs: number,
  policies: { projection?: ProjectionPolicy; burnRate?: BurnRatePolicy } = {},
): Alert[] {
  const period = periodOf(budget.period, nowMs);
  let spentUsd = 0;
  for (const row of rows) {
    if (row.hourStart >= period.startMs && row.hourStart < period.endMs) spentUsd += row.usd;
  }
  const alerts: Alert[] = [];
  const projection = projectedOverspendAlert({ tenant, budget, spentUsd, nowMs }, policies.projection);
  if (projection !== undefined) alerts.push(projection);
  const burn = burnRateAlert(tenant, rows, nowMs, policies.burnRate);
  if (burn !== undefined) alerts.push(burn);
  return alerts;
}
