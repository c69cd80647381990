/**
 * GET /admin/requests?limit=&tenant=&provider=&status= (docs/design.md §1): `{"data":[row…]}` newest
 * first, from the store's request log. `status` is a code (`429`), a class (`5xx`) or `error` (any status
 * >= 400, and a stream answered 200 that ended in an error event); `provider` is the provider that
 * answered, or for a request none answered the one last tried. `before` (ISO 8601 or epoch ms) lists
 * only rows older than that; with `before_id` too, the rows after the row (`before`, `before_id`) in the
 * listing's order (time, then request id, newest first), so that paging with the last row's `time` and
 * `request_id` skips no row that shares its millisecond.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { invalidRequest, requestLogUnavailable } from '../errors/codes.ts';
import type { RequestFilter, RequestRow, StatusFilter } from '../store/request-log.ts';
import { type AdminRoutes, adminRoute, queryOf, sendJson } from './admin-http.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export function requestLogAdminRoutes(snapshot: () => Snapshot, controlPlane: ControlPlane): AdminRoutes {
  const adminKey = () => snapshot().config.server.admin_key;
  return {
    '/admin/requests': {
      GET: adminRoute(adminKey, (req, res, id) => listRequests(req, res, id, controlPlane)),
    },
  };
}

async function listRequests(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  controlPlane: ControlPlane,
): Promise<void> {
  const filter = requestFilterOf(queryOf(req));
  const store = controlPlane.store;
  if (store === undefined) throw requestLogUnavailable('this gateway has no store open.');
  let rows: RequestRow[];
  try {
    rows = await store.queryRequests(filter);
  } catch (error) {
    throw requestLogUnavailable(`the store did not answer (${(error as Error).message}).`);
  }
  sendJson(res, 200, { data: rows.map(requestJson) }, requestId);
}

export function requestFilterOf(query: URLSearchParams): RequestFilter {
  const filter: RequestFilter = { limit: DEFAULT_LIMIT };
  const limit = query.get('limit');
  if (limit !== null) {
    const value = Number(limit);
    if (!/^\d+$/.test(limit) || value < 1 || value > MAX_LIMIT)
      throw invalidRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}, not "${limit}".`, 'limit');
    filter.limit = value;
  }
  const tenant = query.get('tenant');
  if (tenant !== null && tenant !== '') filter.tenant = tenant;
  const provider = query.get('provider');
  if (provider !== null && provider !== '') filter.provider = provider;
  const status = query.get('status');
  if (status !== null && status !== '') filter.status = statusFilterOf(status);
  const before = query.get('before');
  if (before !== null && before !== '') {
    const ms = /^\d+$/.test(before) ? Number(before) : Date.parse(before);
    if (!Number.isSafeInteger(ms))
      throw invalidRequest(
        `before must be an ISO 8601 time or epoch milliseconds, not "${before}".`,
        'before',
      );
    filter.beforeMs = ms;
  }
  const beforeId = query.get('before_id');
  if (beforeId !== null && beforeId !== '') {
    if (filter.beforeMs === undefined)
      throw invalidRequest('before_id pages from a row: give its time as before too.', 'before_id');
    filter.beforeId = beforeId;
  }
  return filter;
}

function statusFilterOf(value: string): StatusFilter {
  if (value === 'error') return { failed: true };
  if (/^[1-5]xx$/i.test(value)) {
    const from = Number(value[0]) * 100;
    return { from, to: from + 100 };
  }
  if (/^[1-5]\d\d$/.test(value)) return { exact: Number(value) };
  throw invalidRequest(`status must be a code (429), a class (5xx) or "error", not "${value}".`, 'status');
}

/** The row as docs/design.md §1 names its fields, plus the routing decision and each attempt. */
export function requestJson(row: RequestRow) {
  return {
    request_id: row.requestId,
    time: new Date(row.timeMs).toISOString(),
    tenant: row.tenant,
    model: row.model,
    provider: row.provider,
    upstream_model: row.upstreamModel,
    status: row.status,
    attempts: row.attempts,
    stream: row.stream,
    cache: row.cache,
    finish_reason: row.finishReason,
    usage: {
      prompt_tokens: row.promptTokens,
      completion_tokens: row.completionTokens,
      cached_tokens: row.cachedTokens,
      reasoning_tokens: row.reasoningTokens,
    },
    usage_estimated: row.usageEstimated,
    cost_usd: row.costUsd,
    // A cache hit's cost is 0; what the answer cost when it was made, at today's price, is its saving.
    cost_saved_usd: row.detail.cache_saved_usd ?? null,
    cost_estimate_usd: row.costEstimateUsd,
    latency_ms: {
      total: row.latencyTotalMs,
      gateway: row.latencyGatewayMs,
      network: row.latencyNetworkMs,
      inference: row.latencyInferenceMs,
    },
    error_code: row.errorCode,
    error_message: row.detail.error_message,
    key_id: row.keyId,
    routing: row.detail.routing,
    attempt_details: row.detail.attempts,
    guardrails: row.detail.guardrails,
    ...(row.detail.request_body === undefined
      ? {}
      : { request_body: row.detail.request_body, response_body: row.detail.response_body ?? null }),
  };
}
