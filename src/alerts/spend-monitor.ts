/**
 * Watches tenants' spend against their budgets and raises alerts into the sink (the sender).
 *
 * Two entry points:
 * - `onSettled`, called by the account stage after each settle with the period's spent figure: the
 *   threshold rules (budget-alerts.ts). It is on the request path, so it is synchronous arithmetic, and
 *   the highest threshold raised per tenant and period is remembered here so a settle that crosses
 *   nothing new does not even build an alert.
 * - A background sweep every `intervalMs` (60 s; the timer is unref'd) over the store's hourly ledger:
 *   the projection and burn-rate rules (spend-projection.ts). One store query per sweep covers every
 *   tenant's recent hours (the burn-rate baseline and today); month-to-date totals for the hours before
 *   that window are read once and then extended as hours age into it, so a sweep never rereads a month
 *   of rows per tenant.
 */
import type { Logger } from '../observability/logger.ts';
import type { SpendRow, Store } from '../store/types.ts';
import {
  type BudgetPeriodKind,
  budgetThresholdAlerts,
  highestThresholdReached,
  periodOf,
  type TenantBudget,
} from './budget-alerts.ts';
import {
  type BurnRatePolicy,
  burnRateAlert,
  DEFAULT_BURN_RATE_POLICY,
  DEFAULT_PROJECTION_POLICY,
  type ProjectionPolicy,
  projectedOverspendAlert,
} from './spend-projection.ts';
import type { Alert, AlertSink } from './types.ts';

const HOUR_MS = 3_600_000;
const DEFAULT_INTERVAL_MS = 60_000;

export interface BudgetedTenant {
  tenant: string;
  budget: TenantBudget;
}

/** The one store method the monitor needs. */
export type SpendLedger = Pick<Store, 'spendByHour'>;

export interface SpendMonitorOptions {
  store: SpendLedger;
  sink: AlertSink;
  /** The tenants with a budget, as config and the store have them now (called once per sweep). */
  tenants: () => readonly BudgetedTenant[];
  logger: Logger;
  now?: () => number;
  intervalMs?: number;
  projection?: ProjectionPolicy;
  burnRate?: BurnRatePolicy;
}

interface RaisedThreshold {
  periodKey: string;
  percent: number;
}

interface MonthTotals {
  key: string;
  /** Hours before this are summed in `usd`. */
  untilMs: number;
  usd: Map<string, number>;
}

export class SpendMonitor {
  #store: SpendLedger;
  #sink: AlertSink;
  #tenants: () => readonly BudgetedTenant[];
  #logger: Logger;
  #now: () => number;
  #intervalMs: number;
  #projection: ProjectionPolicy;
  #burnRate: BurnRatePolicy;

  /** Per tenant, per period kind: the highest threshold raised in the current period. */
  #dayThresholds = new Map<string, RaisedThreshold>();
  #monthThresholds = new Map<string, RaisedThreshold>();
  /** Per tenant, per period kind: what this instance settled for the tenant in the current period. */
  #daySettled = new Map<string, { periodKey: string; usd: number }>();
  #monthSettled = new Map<string, { periodKey: string; usd: number }>();
  /** Sweep alerts already raised: condition → tenant and period. */
  #sweepRaised = new Map<string, { tenant: string; period: string }>();
  #monthTotals: MonthTotals | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;

  constructor(options: SpendMonitorOptions) {
    this.#store = options.store;
    this.#sink = options.sink;
    this.#tenants = options.tenants;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (!Number.isInteger(this.#intervalMs) || this.#intervalMs < 1)
      throw new TypeError('SpendMonitor intervalMs must be a positive integer');
    this.#projection = options.projection ?? DEFAULT_PROJECTION_POLICY;
    this.#burnRate = options.burnRate ?? DEFAULT_BURN_RATE_POLICY;
  }

  /** Starts the periodic sweep. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.sweep(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The account stage, after a settle: raises the thresholds the period's spend has newly reached.
   * `spentUsd` is what the request saw spent when admitted plus its own charge; `chargedUsd` its charge
   * alone. Requests admitted together all saw the same figure, so a burst could pass every threshold
   * with none of them crossing one: the charges this instance settled in the period count too, and the
   * larger of the two figures is used (each is a floor of what was really spent).
   */
  onSettled(tenant: string, budget: TenantBudget, spentUsd: number, chargedUsd = 0): void {
    const nowMs = this.#now();
    const period = periodOf(budget.period, nowMs);
    const settledByTenant = budget.period === 'day' ? this.#daySettled : this.#monthSettled;
    let settled = settledByTenant.get(tenant);
    if (settled === undefined || settled.periodKey !== period.key) {
      settled = { periodKey: period.key, usd: 0 };
      settledByTenant.set(tenant, settled);
    }
    settled.usd += chargedUsd;
    this.#raiseThresholds(tenant, budget, Math.max(spentUsd, settled.usd), nowMs);
  }

  /**
   * The thresholds `spentUsd` newly reached in the current period, each raised once per instance (the
   * sender's store claim makes it once across instances).
   */
  #raiseThresholds(tenant: string, budget: TenantBudget, spentUsd: number, nowMs: number): void {
    const period = periodOf(budget.period, nowMs);
    const raisedByTenant = this.#thresholdsOf(budget.period);
    const raised = raisedByTenant.get(tenant);
    const alreadyRaised = raised !== undefined && raised.periodKey === period.key ? raised.percent : 0;
    const reached = highestThresholdReached(spentUsd, budget.usd);
    if (reached <= alreadyRaised) return;
    const alerts = budgetThresholdAlerts({
      tenant,
      budget,
      spentUsd,
      alreadyRaisedPercent: alreadyRaised,
      nowMs,
    });
    if (raised !== undefined) {
      raised.periodKey = period.key;
      raised.percent = reached;
    } else {
      raisedByTenant.set(tenant, { periodKey: period.key, percent: reached });
    }
    for (const alert of alerts) this.#sink.raise(alert);
  }

  /**
   * One pass over every budgeted tenant: the thresholds, and the projection and burn-rate rules, on the
   * spend the store holds from every instance. The thresholds are checked here too because `onSettled`
   * sees only what one request saw plus this instance's share: with several instances a burst can cross
   * 80 % with no instance seeing it, and once the budget refuses everything nothing settles again.
   * Never rejects: a store that cannot answer is logged and the next sweep tries again. A sweep still
   * running is joined.
   */
  sweep(): Promise<void> {
    if (this.#sweeping === undefined) {
      this.#sweeping = this.#sweepOnce()
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'spend monitor sweep failed'))
        .finally(() => {
          this.#sweeping = undefined;
        });
    }
    return this.#sweeping;
  }

  async #sweepOnce(): Promise<void> {
    const tenants = this.#tenants();
    const current = new Set<string>();
    for (const entry of tenants) current.add(entry.tenant);
    this.#forgetTenantsNotIn(current);
    if (tenants.length === 0) return;

    const nowMs = this.#now();
    const currentHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    const recentFromMs = Math.min(
      currentHour - (this.#burnRate.baselineHours + 1) * HOUR_MS,
      periodOf('day', nowMs).startMs,
    );
    const recent = byTenant(
      await this.#store.spendByHour({ fromMs: recentFromMs, toMs: currentHour + HOUR_MS }),
      current,
    );
    const month = tenants.some((entry) => entry.budget.period === 'month')
      ? await this.#monthTotalsBefore(recentFromMs, nowMs)
      : undefined;

    for (const { tenant, budget } of tenants) {
      const rows = recent.get(tenant) ?? [];
      const period = periodOf(budget.period, nowMs);
      let spentUsd = budget.period === 'month' ? (month?.usd.get(tenant) ?? 0) : 0;
      for (const row of rows) {
        if (row.hourStart >= period.startMs && row.hourStart < period.endMs) spentUsd += row.usd;
      }
      this.#raiseThresholds(tenant, budget, spentUsd, nowMs);
      const projection = projectedOverspendAlert({ tenant, budget, spentUsd, nowMs }, this.#projection);
      if (projection !== undefined) this.#raiseOnce(projection, tenant);
      const burn = burnRateAlert(tenant, rows, nowMs, this.#burnRate);
      if (burn !== undefined) this.#raiseOnce(burn, tenant);
    }
  }

  /**
   * Month-to-date spend per tenant in the hours before `untilMs` (the sweep's recent window starts
   * there, so no hour counts twice), read incrementally: hours only ever move from the recent window
   * into these totals, and hours that old no longer receive spend.
   */
  async #monthTotalsBefore(untilMs: number, nowMs: number): Promise<MonthTotals> {
    const month = periodOf('month', nowMs);
    let totals = this.#monthTotals;
    if (totals === undefined || totals.key !== month.key) {
      totals = { key: month.key, untilMs: month.startMs, usd: new Map() };
      this.#monthTotals = totals;
    }
    // Hours at or after untilMs come from the sweep's recent query.
    const upToMs = Math.max(month.startMs, untilMs);
    if (upToMs > totals.untilMs) {
      const rows = await this.#store.spendByHour({ fromMs: totals.untilMs, toMs: upToMs });
      // Summed into a copy and swapped in, so a failed or partial read leaves the totals as they were.
      const usd = new Map(totals.usd);
      for (const row of rows) usd.set(row.tenant, (usd.get(row.tenant) ?? 0) + row.usd);
      totals.usd = usd;
      totals.untilMs = upToMs;
    }
    return totals;
  }

  #raiseOnce(alert: Alert, tenant: string): void {
    const previous = this.#sweepRaised.get(alert.condition);
    if (previous !== undefined && previous.period === alert.period) return;
    this.#sweepRaised.set(alert.condition, { tenant, period: alert.period });
    this.#sink.raise(alert);
  }

  #thresholdsOf(period: BudgetPeriodKind): Map<string, RaisedThreshold> {
    return period === 'day' ? this.#dayThresholds : this.#monthThresholds;
  }

  /** Keeps the per-tenant memory as large as the tenant list, not as every tenant ever seen. */
  #forgetTenantsNotIn(current: ReadonlySet<string>): void {
    for (const tenant of this.#dayThresholds.keys())
      if (!current.has(tenant)) this.#dayThresholds.delete(tenant);
    for (const tenant of this.#monthThresholds.keys())
      if (!current.has(tenant)) this.#monthThresholds.delete(tenant);
    for (const [condition, raised] of this.#sweepRaised)
      if (!current.has(raised.tenant)) this.#sweepRaised.delete(condition);
    for (const settled of [this.#daySettled, this.#monthSettled])
      for (const tenant of settled.keys()) if (!current.has(tenant)) settled.delete(tenant);
  }
}

function byTenant(rows: readonly SpendRow[], wanted: ReadonlySet<string>): Map<string, SpendRow[]> {
  const grouped = new Map<string, SpendRow[]>();
  for (const row of rows) {
    if (!wanted.has(row.tenant)) continue;
    const list = grouped.get(row.tenant);
    if (list === undefined) grouped.set(row.tenant, [row]);
    else list.push(row);
  }
  return grouped;
}
