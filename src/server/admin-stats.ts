/**
 * GET /admin/stats?window=15m|1h|24h (docs/design.md §1), from the rollups (observability/stats.ts), plus
 * tenants' spend against their budget for the budget's current period, from the store's ledger.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { invalidRequest, requestLogUnavailable } from '../errors/codes.ts';
import { periodOf } from '../limits/budget-period.ts';
import { computeStats, isStatsWindow, type TenantSpend, windowRange } from '../observability/stats.ts';
import { type AdminRoutes, adminRoute, queryOf, sendJson } from './admin-http.ts';

export function statsAdminRoutes(snapshot: () => Snapshot, controlPlane: ControlPlane): AdminRoutes {
  const adminKey = () => snapshot().config.server.admin_key;
  return {
    '/admin/stats': {
      GET: adminRoute(adminKey, (req, res, id) => stats(req, res, id, snapshot(), controlPlane)),
    },
  };
}

async function stats(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  snapshot: Snapshot,
  controlPlane: ControlPlane,
): Promise<void> {
  const window = queryOf(req).get('window') ?? '1h';
  if (!isStatsWindow(window))
    throw invalidRequest(`window must be 15m, 1h or 24h, not "${window}".`, 'window');
  const store = controlPlane.store;
  if (store === undefined) throw requestLogUnavailable('this gateway has no store open.');
  const nowMs = Date.now();
  let result: ReturnType<typeof computeStats>;
  try {
    // Never a flush of the writer here: with the store stalled, the dashboard must still answer.
    const [rollups, tenants] = await Promise.all([
      store.requestRollups(windowRange(window, nowMs)),
      tenantSpend(snapshot, store, nowMs),
    ]);
    result = computeStats(window, nowMs, rollups, tenants);
  } catch (error) {
    throw requestLogUnavailable(`the store did not answer (${(error as Error).message}).`);
  }
  sendJson(res, 200, result, requestId);
}

/** At most this many tenants are listed: every budgeted one, then the biggest spenders. */
const MAX_TENANTS = 50;

/**
 * Tenants' spend this period (UTC day, or month for a monthly budget) against their budget, from the
 * store's hourly ledger: two range reads whatever the number of tenants. The ledger trails the budget
 * counters by the writer's batch delay (about a second); /admin/spend has the exact figure per tenant.
 */
async function tenantSpend(
  snapshot: Snapshot,
  store: NonNullable<ControlPlane['store']>,
  nowMs: number,
): Promise<TenantSpend[]> {
  const day = periodOf('day', nowMs);
  const month = periodOf('month', nowMs);
  const [dayRows, monthRows] = await Promise.all([
    store.spendByHour({ fromMs: day.startMs, toMs: day.endMs }),
    store.spendByHour({ fromMs: month.startMs, toMs: month.endMs }),
  ]);
  const sum = (rows: Array<{ tenant: string; usd: number }>) => {
    const out = new Map<string, number>();
    for (const row of rows) out.set(row.tenant, (out.get(row.tenant) ?? 0) + row.usd);
    return out;
  };
  const daySpend = sum(dayRows);
  const monthSpend = sum(monthRows);
  const out: TenantSpend[] = [];
  const listed = new Set<string>();
  // An admin call: walking the config's tenants here is fine (never on the request path).
  for (const [name, tenant] of snapshot.tenantsByName) {
    const budget = tenant.budget;
    if (budget === undefined) continue;
    const spent = (budget.period === 'month' ? monthSpend : daySpend).get(name) ?? 0;
    out.push({ tenant: name, period: budget.period, spent_usd: roundUsd(spent), budget_usd: budget.usd });
    listed.add(name);
    if (out.length >= MAX_TENANTS) break;
  }
  const others = [...daySpend.entries()]
    .filter(([name]) => !listed.has(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Math.max(0, MAX_TENANTS - out.length));
  for (const [name, usd] of others)
    out.push({ tenant: name, period: 'day', spent_usd: roundUsd(usd), budget_usd: null });
  return out;
}

function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}
