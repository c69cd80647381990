/**
 * The UTC period a budget counts in, remembered until it ends so a request pays one comparison, not a
 * date computation.
 */
export interface BudgetPeriod {
  /** `d2026-12-07` or `m2026-12`. */
  key: string;
  startMs: number;
  endMs: number;
}

export function budgetPeriodOf(period: 'day' | 'month', nowMs: number): BudgetPeriod {
  const date = new Date(nowMs);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (period === 'month') {
    return {
      key: `m${year}-${pad(month + 1)}`,
      startMs: Date.UTC(year, month, 1),
      endMs: Date.UTC(year, month + 1, 1),
    };
  }
  const day = date.getUTCDate();
  return {
    key: `d${year}-${pad(month + 1)}-${pad(day)}`,
    startMs: Date.UTC(year, month, day),
    endMs: Date.UTC(year, month, day + 1),
  };
}

const current: Record<'day' | 'month', BudgetPeriod | undefined> = { day: undefined, month: undefined };

/** `budgetPeriodOf`, cached until the period ends. */
export function currentBudgetPeriod(period: 'day' | 'month', nowMs: number): BudgetPeriod {
  const cached = current[period];
  if (cached !== undefined && nowMs >= cached.startMs && nowMs < cached.endMs) return cached;
  const next = budgetPeriodOf(period, nowMs);
  current[period] = next;
  return next;
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
