/**
 * The UTC day or month a budget counts in, named `d2026-12-07` / `m2026-12`: the limits stage keys its
 * state counters and the alerts their conditions by the same key, so an alert and the figure behind it
 * always agree on which period they mean.
 */
export type BudgetPeriodKind = 'day' | 'month';

export interface BudgetPeriod {
  /** `d2026-12-07` or `m2026-12`. */
  readonly key: string;
  /** Epoch ms, inclusive. */
  readonly startMs: number;
  /** Epoch ms, exclusive: the next period's start. */
  readonly endMs: number;
}

// The last period computed for each kind, handed back while the clock stays inside it: the account
// stage asks once per request and a Date plus two string pads per request would be waste.
let lastDay: BudgetPeriod = { key: '', startMs: 0, endMs: 0 };
let lastMonth: BudgetPeriod = { key: '', startMs: 0, endMs: 0 };

/** The UTC day or month containing `nowMs`. The same object comes back while `nowMs` stays in it. */
export function periodOf(period: BudgetPeriodKind, nowMs: number): BudgetPeriod {
  if (period === 'day') {
    if (nowMs >= lastDay.startMs && nowMs < lastDay.endMs) return lastDay;
    lastDay = computePeriod('day', nowMs);
    return lastDay;
  }
  if (nowMs >= lastMonth.startMs && nowMs < lastMonth.endMs) return lastMonth;
  lastMonth = computePeriod('month', nowMs);
  return lastMonth;
}

function computePeriod(period: BudgetPeriodKind, nowMs: number): BudgetPeriod {
  const date = new Date(nowMs);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const yyyy = String(year).padStart(4, '0');
  const mm = String(month + 1).padStart(2, '0');
  if (period === 'day') {
    const day = date.getUTCDate();
    return Object.freeze({
      key: `d${yyyy}-${mm}-${String(day).padStart(2, '0')}`,
      startMs: Date.UTC(year, month, day),
      // Date.UTC rolls day 32 into the next month and month 12 into the next year.
      endMs: Date.UTC(year, month, day + 1),
    });
  }
  return Object.freeze({
    key: `m${yyyy}-${mm}`,
    startMs: Date.UTC(year, month, 1),
    endMs: Date.UTC(year, month + 1, 1),
  });
}
