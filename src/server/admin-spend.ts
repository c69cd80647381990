/**
 * GET /admin/spend?tenant=&period=day|month (docs/design.md §1):
 * `{"tenant","period","spent_usd","reserved_usd","budget_usd"}`. Spent and reserved come from the
 * state store, where the budget stage keeps them exact across instances; without a budget the spend
 * comes from the store's ledger.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { invalidRequest, tenantNotFound } from '../errors/codes.ts';
import { periodOf } from '../limits/budget-period.ts';
import { NANO_USD_PER_USD } from '../limits/types.ts';
import { type AdminRoutes, adminRoute, queryOf, sendJson } from './admin-http.ts';

export function spendAdminRoutes(snapshot: () => Snapshot, controlPlane: ControlPlane): AdminRoutes {
  const adminKey = () => snapshot().config.server.admin_key;
  return {
    '/admin/spend': {
      GET: adminRoute(adminKey, (req, res, id) => spend(req, res, id, snapshot(), controlPlane)),
    },
  };
}

async function spend(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  snapshot: Snapshot,
  controlPlane: ControlPlane,
): Promise<void> {
  const query = queryOf(req);
  const name = query.get('tenant');
  if (name === null || name === '') throw invalidRequest('Name a tenant: ?tenant=NAME.', 'tenant');
  const tenant = controlPlane.keys.tenant(name, snapshot);
  if (tenant === undefined) throw tenantNotFound(name);
  const periodParam = query.get('period') ?? tenant.budget?.period ?? 'day';
  if (periodParam !== 'day' && periodParam !== 'month')
    throw invalidRequest(`period must be "day" or "month", not "${periodParam}".`, 'period');
  const nowMs = Date.now();
  const period = periodOf(periodParam, nowMs);
  const budget = tenant.budget?.period === periodParam ? tenant.budget : undefined;
  let spentUsd: number;
  let reservedUsd = 0;
  if (budget !== undefined) {
    let view = controlPlane.state.budgetView(tenant.scope, period.key, nowMs);
    if (view instanceof Promise) view = await view;
    spentUsd = view.spentNanoUsd / NANO_USD_PER_USD;
    reservedUsd = view.reservedNanoUsd / NANO_USD_PER_USD;
  } else {
    spentUsd = await controlPlane.ledgerSpend(name, period.startMs, period.endMs);
  }
  sendJson(
    res,
    200,
    {
      tenant: name,
      period: periodParam,
      period_start: new Date(period.startMs).toISOString(),
      spent_usd: roundUsd(spentUsd),
      reserved_usd: roundUsd(reservedUsd),
      budget_usd: budget?.usd ?? null,
      budget_mode: budget?.mode ?? null,
    },
    requestId,
  );
}

function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}
