/**
 * GET /admin/stats?window=15m|1h|24h (docs/design.md §1), from the rollups (observability/stats.ts), plus
 * each tenant's spend against its budget for the budget's current period, from the state store where the
 * budget stage keeps it exact (the store's ledger for tenants without a budget).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { invalidRequest, requestLogUnavailable } from '../errors/codes.ts';
import { periodOf } from '../limits/budget-period.ts';
import { NANO_USD_PER_USD } from '../limits/types.ts';
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
    // What waits in the writer is part of the picture an operator expects to see.
    await controlPlane.spend?.flush().catch(() => {});
    const [rollups, tenants] = await Promise.all([
      store.requestRollups(windowRange(window, nowMs)),
      tenantSpend(snapshot, controlPlane, nowMs),
    ]);
    result = computeStats(window, nowMs, rollups, tenants);
  } catch (error) {
    throw requestLogUnavailable(`the store did not answer (${(error as Error).message}).`);
  }
  sendJson(res, 200, result, requestId);
}

/** Config tenants' spend this period against their budget (an admin call: reading config here is fine). */
async function tenantSpend(
  snapshot: Snapshot,
  controlPlane: ControlPlane,
  nowMs: number,
): Promise<TenantSpend[]> {
  const out: TenantSpend[] = [];
  for (const name of snapshot.tenantsByName.keys()) {
    const tenant = controlPlane.keys.tenant(name, snapshot);
    if (tenant === undefined) continue;
    const budget = tenant.budget;
    const period = periodOf(budget?.period ?? 'day', nowMs);
    let spentUsd: number;
    if (budget !== undefined) {
      let view = controlPlane.state.budgetView(tenant.scope, period.key, nowMs);
      if (view instanceof Promise) view = await view;
      spentUsd = view.spentNanoUsd / NANO_USD_PER_USD;
    } else spentUsd = await controlPlane.ledgerSpend(name, period.startMs, period.endMs);
    out.push({
      tenant: name,
      period: budget?.period ?? 'day',
      spent_usd: Math.round(spentUsd * 1e9) / 1e9,
      budget_usd: budget?.usd ?? null,
    });
  }
  return out;
}
