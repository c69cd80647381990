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
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveModel, type Snapshot } from '../config/compile.ts';
import { invalidApiKey, invalidJson, invalidRequest, routeNotFound } from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { writeErrorResponse } from '../pipeline/respond.ts';
import type { BreakerView } from '../routing/breaker.ts';
import type { TargetRuntime } from '../routing/runtime.ts';
import { readBody } from './body.ts';

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;

const ADMIN_BODY_LIMIT = 16 * 1024;

/** The routes, keyed like the gateway's route table; `snapshot` returns the current one. */
export function adminRoutingRoutes(snapshot: () => Snapshot): Record<string, Record<string, AdminHandler>> {
  const guarded =
    (
      handler: (
        req: IncomingMessage,
        res: ServerResponse,
        current: Snapshot,
        requestId: string,
      ) => Promise<void>,
    ): AdminHandler =>
    async (req, res, requestId) => {
      const current = snapshot();
      try {
        authorize(req, current.config.server.admin_key);
        await handler(req, res, current, requestId);
      } catch (error) {
        req.resume();
        if (error instanceof GatewayError) writeErrorResponse(res, error, requestId);
        else throw error;
      }
    };
  return {
    '/admin/routing': {
      GET: guarded(async (_req, res, current, id) => sendJson(res, 200, routingReport(current), id)),
    },
    '/admin/breakers/open': {
      POST: guarded((req, res, current, id) => force(req, res, current, 'isolate', id)),
    },
    '/admin/breakers/close': {
      POST: guarded((req, res, current, id) => force(req, res, current, 'close', id)),
    },
  };
}

function authorize(req: IncomingMessage, adminKey: string | undefined): void {
  // No admin key: the admin API is off and its routes answer as if they did not exist.
  if (adminKey === undefined) throw routeNotFound(req.method ?? 'GET', req.url ?? '/');
  const header = req.headers.authorization;
  const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  // Hashes have equal length, so the comparison takes the same time whatever was sent.
  const ok = timingSafeEqual(digest(given), digest(adminKey));
  if (!ok || given === '') throw invalidApiKey();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

async function force(
  req: IncomingMessage,
  res: ServerResponse,
  snapshot: Snapshot,
  action: 'isolate' | 'close',
  requestId: string,
): Promise<void> {
  const body = await readBody(req, ADMIN_BODY_LIMIT);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw invalidJson((error as Error).message);
  }
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

function sendJson(res: ServerResponse, status: number, value: unknown, requestId: string): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
  });
  res.end(body);
}
