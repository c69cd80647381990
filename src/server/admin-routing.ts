/**
 * Admin API for routing (docs/design.md §1 `/admin/*`): provider health and breaker state, and forcing a
 * breaker open or closed. Guarded by `server.admin_key` (Bearer); without an admin key the routes do
 * not exist (404), so nothing is exposed unless the operator asked for it.
 *
 *   GET  /admin/routing                 keys (by id), probes, breakers and health scores
 *   POST /admin/breakers/open   {"target":"provider/model"}   hold open (isolated) until closed by hand
 *   POST /admin/breakers/close  {"target":"provider/model"}   close now, with a clean slate
 *
 * With `state: redis://…` a forced breaker holds for every instance.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveModel, type Snapshot } from '../config/compile.ts';
import { invalidRequest } from '../errors/codes.ts';
import type { BreakerView } from '../routing/breaker.ts';
import type { TargetRuntime } from '../routing/runtime.ts';
import { type AdminRoutes, adminRoute, readJsonBody, sendJson } from './admin-http.ts';

/** The routes, keyed like the gateway's route table; `snapshot` returns the current one. */
export function adminRoutingRoutes(snapshot: () => Snapshot): AdminRoutes {
  const adminKey = () => snapshot().config.server.admin_key;
  return {
    '/admin/routing': {
      GET: adminRoute(adminKey, async (_req, res, id) => sendJson(res, 200, routingReport(snapshot()), id)),
    },
    '/admin/breakers/open': {
      POST: adminRoute(adminKey, (req, res, id) => force(req, res, snapshot(), 'isolate', id)),
    },
    '/admin/breakers/close': {
      POST: adminRoute(adminKey, (req, res, id) => force(req, res, snapshot(), 'close', id)),
    },
  };
}

async function force(
  req: IncomingMessage,
  res: ServerResponse,
  snapshot: Snapshot,
  action: 'isolate' | 'close',
  requestId: string,
): Promise<void> {
  const parsed = (await readJsonBody(req)).value;
  const id = (parsed as { target?: unknown } | null)?.target;
  if (typeof id !== 'string') throw invalidRequest('Send {"target":"provider/model"}.', 'target');
  const target = findTarget(snapshot, id);
  if (target === undefined)
    throw invalidRequest(`'${id}' is not a configured provider/model target.`, 'target', 'unknown_target');
  const view = await snapshot.routing.runtime.forceBreaker(target, action);
  sendJson(res, 200, { target: target.id, breaker: breakerJson(view) }, requestId);
}

function findTarget(snapshot: Snapshot, id: string): TargetRuntime | undefined {
  const known = snapshot.routing.runtime.targets.get(id);
  if (known !== undefined) return known;
  return resolveModel(snapshot, id)?.targets[0]?.runtime;
}

function routingReport(snapshot: Snapshot): unknown {
  const runtime = snapshot.routing.runtime;
  const nowMs = runtime.now();
  const providers = [...runtime.providers.values()].map((provider) => ({
    name: provider.name,
    keys: provider.keys.status(nowMs).map((key) => ({
      id: key.id,
      state: key.state,
      until: key.until === 0 ? null : new Date(key.until).toISOString(),
      // 429 cooldowns are per key and model (issue 13): the models this key is throttled for, and until when.
      throttled_models: Object.fromEntries(
        Object.entries(key.models ?? {}).map(([model, until]) => [model, new Date(until).toISOString()]),
      ),
    })),
    probe: {
      last_probe_at:
        provider.probe.lastProbeAt === 0 ? null : new Date(provider.probe.lastProbeAt).toISOString(),
      ok: provider.probe.lastOk,
      consecutive_failures: provider.probe.consecutiveFailures,
      latency_ms: round(provider.probe.lastLatencyMs),
      error: provider.probe.lastError,
    },
  }));
  const targets = [...runtime.targets.values()].map((target) => ({
    target: target.id,
    provider: target.provider.name,
    model: target.model,
    breaker: breakerJson(target.breaker),
    health: {
      score: round(runtime.score(target, nowMs), 3),
      success_rate: round(target.health.outcomes.rate(nowMs), 3),
      latency_ms: {
        stream: round(target.health.streamLatency.value),
        json: round(target.health.jsonLatency.value),
      },
    },
  }));
  return { state: runtime.state.kind, providers, targets };
}

function breakerJson(view: BreakerView): Record<string, unknown> {
  return {
    state: view.state,
    since: view.since === 0 ? null : new Date(view.since).toISOString(),
    until: view.until === 0 ? null : new Date(view.until).toISOString(),
    opens: view.opens,
    consecutive_failures: view.consecutiveFailures,
    window_requests: view.windowRequests,
    window_failures: view.windowFailures,
  };
}

function round(value: number | undefined, digits = 1): number | null {
  if (value === undefined) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
