import { describe, expect, it } from 'vitest';
import type { TenantBudget } from '../../src/alerts/budget-alerts.ts';
import { type BudgetedTenant, SpendMonitor } from '../../src/alerts/spend-monitor.ts';
import type { Alert, AlertSink } from '../../src/alerts/types.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { InMemoryLedger } from './in-memory-ledger.ts';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

class RecordingSink implements AlertSink {
  readonly alerts: Alert[] = [];
  raise(alert: Alert): void {
    this.alerts.push(alert);
  }
  conditions(): string[] {
    return this.alerts.map((alert) => `${alert.condition}@${alert.period}`);
  }
  /** The alerts other than the budget thresholds (which a sweep raises too). */
  beyondThresholds(): Alert[] {
    return this.alerts.filter((alert) => !alert.condition.startsWith('budget:'));
  }
}

function setup(tenants: BudgetedTenant[], startMs: number) {
  const clock = { nowMs: startMs };
  const ledger = new InMemoryLedger();
  const sink = new RecordingSink();
  const list = [...tenants];
  const monitor = new SpendMonitor({
    store: ledger,
    sink,
    tenants: () => list,
    logger: silentLogger(),
    now: () => clock.nowMs,
  });
  return { clock, ledger, sink, monitor, list };
}

const daily: TenantBudget = { usd: 24, period: 'day', mode: 'hard' };

describe('SpendMonitor.onSettled (thresholds on the request path)', () => {
  it('raises each threshold once per period, however many settles follow', () => {
    const { clock, sink, monitor } = setup([], at('2026-12-07T08:00:00Z'));
    for (const spent of [5, 11, 12, 12.5, 19, 19.2, 20, 24, 24.5, 30])
      monitor.onSettled('acme', daily, spent);
    expect(sink.conditions()).toEqual([
      'budget:acme:day:50@d2026-12-07',
      'budget:acme:day:80@d2026-12-07',
      'budget:acme:day:100@d2026-12-07',
    ]);
    // The next day starts from nothing: its spent figure is the new period's.
    clock.nowMs = at('2026-12-08T00:00:01Z');
    monitor.onSettled('acme', daily, 1);
    monitor.onSettled('acme', daily, 20);
    expect(sink.conditions().slice(3)).toEqual([
      'budget:acme:day:50@d2026-12-08',
      'budget:acme:day:80@d2026-12-08',
    ]);
  });

  it('raises both thresholds a single settle jumps across', () => {
    const { sink, monitor } = setup([], at('2026-12-07T08:00:00Z'));
    monitor.onSettled('acme', daily, 6);
    monitor.onSettled('acme', daily, 21);
    monitor.onSettled('acme', daily, 22);
    expect(sink.conditions()).toEqual(['budget:acme:day:50@d2026-12-07', 'budget:acme:day:80@d2026-12-07']);
  });

  it('counts the charges it settled: a burst admitted at one spent figure still crosses its thresholds', () => {
    const { sink, monitor } = setup([], at('2026-12-07T08:00:00Z'));
    // 50 requests admitted while nothing was spent, each charged 0.6 of a 24 USD budget (30 in all).
    for (let i = 0; i < 50; i++) monitor.onSettled('acme', daily, 0 + 0.6, 0.6);
    expect(sink.conditions()).toEqual([
      'budget:acme:day:50@d2026-12-07',
      'budget:acme:day:80@d2026-12-07',
      'budget:acme:day:100@d2026-12-07',
    ]);
  });

  it('keeps tenants and period kinds apart', () => {
    const { sink, monitor } = setup([], at('2026-12-07T08:00:00Z'));
    const monthly: TenantBudget = { usd: 100, period: 'month', mode: 'soft' };
    monitor.onSettled('acme', daily, 13);
    monitor.onSettled('globex', daily, 13);
    monitor.onSettled('acme', monthly, 55);
    expect(sink.conditions()).toEqual([
      'budget:acme:day:50@d2026-12-07',
      'budget:globex:day:50@d2026-12-07',
      'budget:acme:month:50@m2026-12',
    ]);
  });
});

describe('SpendMonitor.sweep (projection and burn rate over the ledger)', () => {
  const dayStart = at('2026-12-07T00:00:00Z');

  it('raises the thresholds the stored spend of every instance reached, once, with no settle here', async () => {
    // Another instance settled the burst: this one saw nothing on its request path.
    const { clock, ledger, sink, monitor } = setup([{ tenant: 'acme', budget: daily }], dayStart + HOUR);
    ledger.add({ tenant: 'acme', hourStart: dayStart, usd: 21, requests: 40 });
    const thresholds = () => sink.conditions().filter((condition) => condition.startsWith('budget:'));
    await monitor.sweep();
    expect(thresholds()).toEqual(['budget:acme:day:50@d2026-12-07', 'budget:acme:day:80@d2026-12-07']);
    clock.nowMs += 60_000;
    await monitor.sweep();
    expect(thresholds()).toHaveLength(2);
    ledger.add({ tenant: 'acme', hourStart: dayStart + HOUR, usd: 3, requests: 4 });
    await monitor.sweep();
    expect(thresholds()).toEqual([
      'budget:acme:day:50@d2026-12-07',
      'budget:acme:day:80@d2026-12-07',
      'budget:acme:day:100@d2026-12-07',
    ]);
  });

  /** Sweeps at each hour from 01:00 to 23:00, the hour before having spent `usdPerHour`. */
  async function runDay(usdPerHour: number) {
    const harness = setup([{ tenant: 'acme', budget: daily }], dayStart);
    const { clock, ledger, monitor } = harness;
    // Yesterday at the same rate: a steady tenant, so the burn-rate rule has a baseline and stays quiet.
    for (let hour = 1; hour <= 24; hour++)
      ledger.add({ tenant: 'acme', hourStart: dayStart - hour * HOUR, usd: usdPerHour, requests: 10 });
    for (let hour = 1; hour < 24; hour++) {
      ledger.add({ tenant: 'acme', hourStart: dayStart + (hour - 1) * HOUR, usd: usdPerHour, requests: 10 });
      clock.nowMs = dayStart + hour * HOUR;
      await monitor.sweep();
    }
    return harness;
  }

  it('raises the projection once for a day that runs ahead of plan', async () => {
    const { sink } = await runDay(1.5);
    expect(sink.beyondThresholds().map((alert) => alert.condition)).toEqual(['projection:acme:day']);
    // First trusted at 10 % of the day (03:00): $4.50 over 3 h projects to $36.
    expect(sink.beyondThresholds()[0]?.details).toMatchObject({ spent_usd: 4.5, projected_usd: 36 });
  });

  it('raises nothing for a day on plan', async () => {
    const { sink } = await runDay(0.95);
    expect(sink.beyondThresholds()).toEqual([]);
  });

  it('raises the burn rate once when an hour spikes over the baseline', async () => {
    const { clock, ledger, sink, monitor } = setup(
      [{ tenant: 'acme', budget: { usd: 1000, period: 'day', mode: 'soft' } }],
      dayStart + 30 * HOUR,
    );
    const currentHour = dayStart + 30 * HOUR;
    for (let h = 1; h <= 25; h++)
      ledger.add({ tenant: 'acme', hourStart: currentHour - h * HOUR, usd: 1, requests: 1 });
    await monitor.sweep();
    expect(sink.alerts).toEqual([]);
    ledger.add({ tenant: 'acme', hourStart: currentHour, usd: 4, requests: 40 });
    clock.nowMs += 10 * 60_000;
    await monitor.sweep();
    clock.nowMs += 10 * 60_000;
    ledger.add({ tenant: 'acme', hourStart: currentHour, usd: 4, requests: 40 });
    await monitor.sweep();
    expect(sink.conditions()).toEqual(['burn_rate:acme@d2026-12-08']);
    expect(sink.alerts[0]?.details).toMatchObject({ hour_usd: 4, baseline_hourly_usd: 1 });
  });

  it('counts a month budget from the month start, reading old hours once and new ones as they age', async () => {
    const monthly: TenantBudget = { usd: 310, period: 'month', mode: 'hard' };
    const monthStart = at('2026-12-01T00:00:00Z');
    const { clock, ledger, sink, monitor } = setup(
      [{ tenant: 'acme', budget: monthly }],
      monthStart + 4 * 24 * HOUR,
    );
    // $0.40 an hour ($9.60 a day) is under the $10 a day plan for 31 days at $310.
    for (let h = 0; h < 4 * 24; h++)
      ledger.add({ tenant: 'acme', hourStart: monthStart + h * HOUR, usd: 0.4, requests: 1 });
    // Another tenant's spend never counts for acme.
    ledger.add({ tenant: 'globex', hourStart: monthStart, usd: 500, requests: 1 });
    await monitor.sweep();
    expect(sink.alerts).toEqual([]);
    const firstSweepQueries = ledger.queries.length;
    expect(firstSweepQueries).toBe(2);

    // A busy fifth day at $1.20 an hour: month to date 38.4 + 28.8 = $67.20 after 5 of 31 days.
    for (let h = 96; h < 120; h++)
      ledger.add({ tenant: 'acme', hourStart: monthStart + h * HOUR, usd: 1.2, requests: 1 });
    clock.nowMs = monthStart + 5 * 24 * HOUR;
    await monitor.sweep();
    expect(sink.alerts).toHaveLength(1);
    expect(sink.alerts[0]).toMatchObject({ condition: 'projection:acme:month', period: 'm2026-12' });
    expect(sink.alerts[0]?.details.spent_usd).toBeCloseTo(67.2, 9);
    // The second sweep read only the day of hours that aged out of the recent window.
    const monthQuery = ledger.queries[firstSweepQueries + 1];
    expect(monthQuery).toBeDefined();
    expect(monthQuery!.toMs - monthQuery!.fromMs).toBe(24 * HOUR);
  });

  it('survives a store that cannot answer and tries again next sweep', async () => {
    const { clock, ledger, sink, monitor } = setup([{ tenant: 'acme', budget: daily }], dayStart + 6 * HOUR);
    ledger.add({ tenant: 'acme', hourStart: dayStart, usd: 12, requests: 1 });
    const working = ledger.spendByHour.bind(ledger);
    ledger.spendByHour = async () => {
      throw new Error('connection refused');
    };
    await expect(monitor.sweep()).resolves.toBeUndefined();
    expect(sink.alerts).toEqual([]);
    ledger.spendByHour = working;
    clock.nowMs += 60_000;
    await monitor.sweep();
    expect(sink.conditions()).toEqual(['budget:acme:day:50@d2026-12-07', 'projection:acme:day@d2026-12-07']);
  });

  it('sweeps on its own timer once started', async () => {
    const ledger = new InMemoryLedger();
    const monitor = new SpendMonitor({
      store: ledger,
      sink: new RecordingSink(),
      tenants: () => [{ tenant: 'acme', budget: daily }],
      logger: silentLogger(),
      intervalMs: 5,
    });
    monitor.start();
    const deadline = Date.now() + 5000;
    while (ledger.queries.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    monitor.stop();
    expect(ledger.queries.length).toBeGreaterThan(0);
  });
});
