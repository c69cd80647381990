/**
 * The stored request log (docs/design.md §1 `GET /admin/requests`): one row per request, written in
 * batches off the request path (writer.ts), and the rollups `GET /admin/stats` and the dashboard read so
 * they never scan the log. Both stores keep this shape; the rollup arithmetic lives here once.
 */
import { RollupIndex } from './rollup-index.ts';

/** One upstream attempt of a stored request (the log line's `attempts` entries). */
export interface AttemptDetail {
  /** `provider/model` as the route named it. */
  target: string;
  provider: string;
  model: string;
  key_id: string;
  status: number;
  /** `ok` or the error class (`rate_limited`, `server`, `timeout`, …, `client_gone`). */
  outcome: string;
  /** The error class; null for `ok`. */
  error_class: string | null;
  /** Why it was made: first, fallback, retry, next_key. */
  reason: string | null;
  duration_ms: number;
  /** Connect + upstream time to the first response byte; null when no byte came. */
  first_byte_ms: number | null;
  wait_ms: number;
}

/** What the row keeps beyond its indexed columns, as one JSON value. */
export interface RequestDetail {
  routing: { strategy: string; rule: string | null; chosen: string | null; reason: string | null } | null;
  attempts: AttemptDetail[];
  /** Filled by the guardrail stages; null while none ran. */
  guardrails: unknown;
  /**
   * The client protocol: chat-completions, anthropic-messages, responses or embeddings; `batch` for a
   * batch line (store rollups leave those out of the latency histograms).
   */
  api?: string;
  /** Where a broken stream was continued on another target (stream recovery). */
  seams?: unknown[];
  /** A cache hit's saving: what its answer cost when it was made, at today's price (null: no price). */
  cache_saved_usd?: number | null;
  error_message: string | null;
  /** Only for tenants that opted in (`logging.store_bodies_for`): scrubbed and truncated. */
  request_body?: string | null;
  response_body?: string | null;
}

export interface RequestRow {
  requestId: string;
  /** Epoch ms when the request arrived. */
  timeMs: number;
  tenant: string | null;
  keyId: string | null;
  /** The model as the client asked for it. */
  model: string;
  /**
   * The provider that answered (docs/design.md §1); for a request none answered, the one it last tried,
   * so `GET /admin/requests?provider=X&status=error` lists what failed on X. Null: no attempt was made.
   */
  provider: string | null;
  /** The model the answer reported; for a request none answered, the configured model last tried. */
  upstreamModel: string | null;
  status: number;
  attempts: number;
  stream: boolean;
  /** `HIT`, `MISS`, `BYPASS`, or null when no cache stage ran. */
  cache: string | null;
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** The upstream never reported usage (a client gone mid-stream): the tokens are an estimate. */
  usageEstimated: boolean;
  costUsd: number | null;
  costEstimateUsd: number | null;
  latencyTotalMs: number;
  latencyGatewayMs: number;
  latencyNetworkMs: number;
  latencyInferenceMs: number;
  errorCode: string | null;
  detail: RequestDetail;
  /** A cache hit: what the answer cost when it was made (rolled up as savings; not a column). */
  cacheSavedUsd?: number | null;
  /**
   * What the rollups count the row under, when it is not its own `provider` (not a column; the request
   * record sets it): the provider that answered, NO_PROVIDER when none did (a failed row names the
   * provider it last tried, for `GET /admin/requests?provider=`), CACHE_PROVIDER for a cache hit.
   */
  rollupProvider?: string;
  /**
   * What the rollups count the row under, when it is not its own `model` (not a column): OTHER_MODEL
   * for a name that neither the config nor routing state bounds (a model not found, a direct name that
   * never answered), so no name a client invents becomes a rollup key or a `/admin/stats` entry.
   */
  rollupModel?: string;
}

/** The rollups' provider for requests no provider answered. */
export const NO_PROVIDER = 'none';
/** The rollups' provider for cache hits: no provider's traffic. */
export const CACHE_PROVIDER = 'cache';
/** The rollups' model for every name not bounded by config or routing state (RequestRow.rollupModel). */
export const OTHER_MODEL = '(other)';
/**
 * The rollups' status class of a request answered 2xx that then failed: a stream that ended in an error
 * event after its first byte (docs/design.md §2). The client got an error, so it is no success.
 */
export const STREAM_ERROR_CLASS = 'stream_error';

/**
 * `GET /admin/requests` filters; `status` is a code (`429`), a class (`5xx`) or `error` (a status >= 400,
 * or an error code on a 2xx: a stream that failed after its first byte).
 */
export interface RequestFilter {
  limit: number;
  tenant?: string;
  provider?: string;
  status?: StatusFilter;
  /** Only rows older than this (epoch ms), for paging. */
  beforeMs?: number;
  /**
   * With `beforeMs`: the request id of the last row of the previous page, so rows of that same
   * millisecond are paged by it too. Rows are ordered by (time, request id), newest first, and the page
   * holds the rows after (`beforeMs`, `beforeId`) in that order.
   */
  beforeId?: string;
}

export type StatusFilter = { exact: number } | { from: number; to: number } | { failed: true };

/** Upper bounds (ms) of the latency histogram buckets; the last bucket is everything above. */
export const LATENCY_BOUNDS_MS = [50, 100, 250, 500, 1000, 2000, 4000, 8000, 16_000, 32_000] as const;
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/**
 * Rollup granularities: 10 s buckets draw the last 15 minutes (a traffic shift shows within seconds),
 * minutes the last hour, hours the last day. Each is kept as long as a window reads it.
 */
export const ROLLUP_BUCKETS_MS = [10_000, 60_000, 3_600_000] as const;

/** Requests per (bucket, provider that answered, model asked, status class). */
export interface RequestRollup {
  bucketMs: number;
  bucketStart: number;
  /** NO_PROVIDER when no provider answered, CACHE_PROVIDER for cache hits. */
  provider: string;
  /** The model asked, or OTHER_MODEL (RequestRow.rollupModel). */
  model: string;
  /** `2xx`, `4xx`, `5xx`, `client_closed`, `stream_error` (STREAM_ERROR_CLASS). */
  statusClass: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** The known costs only: an unpriced request adds nothing here and one to `unpricedRequests`. */
  costUsd: number;
  cacheHits: number;
  /** What answers from the cache would have cost upstream (their priced usage). */
  cacheSavedUsd: number;
  latencySumMs: number;
  /**
   * Requests that used tokens at no known price (cost null in the log): their cost is unknown, never
   * zero (docs/design.md §1), so `costUsd` is a lower bound whenever this is above 0.
   */
  unpricedRequests: number;
  /** Counts per LATENCY_BOUNDS_MS bucket (total latency), LATENCY_BUCKETS entries. */
  latency: number[];
}

/** Upstream attempts per (bucket, provider, outcome): provider reliability, fallbacks included. */
export interface AttemptRollup {
  bucketMs: number;
  bucketStart: number;
  provider: string;
  outcome: string;
  attempts: number;
  latencySumMs: number;
  latency: number[];
}

export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= (LATENCY_BOUNDS_MS[i] as number)) return i;
  return LATENCY_BOUNDS_MS.length;
}

export function statusClassOf(status: number): string {
  if (status === 499) return 'client_closed';
  return `${Math.floor(status / 100)}xx`;
}

/** The status class a row rolls up under: its status's, unless a 2xx ended in an error. */
export function rollupStatusClassOf(row: RequestRow): string {
  if (row.status >= 200 && row.status < 300 && row.errorCode !== null) return STREAM_ERROR_CLASS;
  return statusClassOf(row.status);
}

/** The rollup rows a batch of log rows adds to, each key once (PostgreSQL refuses to upsert a row twice). */
export function rollupsOf(rows: readonly RequestRow[]): {
  requests: RequestRollup[];
  attempts: AttemptRollup[];
} {
  const requests = new RollupIndex(newRequestRollup);
  const attempts = new RollupIndex(newAttemptRollup);
  for (const row of rows) {
    const provider = row.rollupProvider ?? row.provider ?? NO_PROVIDER;
    const model = row.rollupModel ?? row.model;
    const statusClass = rollupStatusClassOf(row);
    const bucket = latencyBucket(row.latencyTotalMs);
    const hit = row.cache === 'HIT';
    const live = row.detail.api !== 'batch';
    const tried = row.detail.attempts;
    for (let g = 0; g < ROLLUP_BUCKETS_MS.length; g++) {
      const bucketMs = ROLLUP_BUCKETS_MS[g] as number;
      const bucketStart = row.timeMs - (row.timeMs % bucketMs);
      const into = requests.row(provider, model, statusClass, g, bucketMs, bucketStart);
      into.requests += 1;
      if (hit) {
        // A hit's usage is the original answer's: no provider spent those tokens now (nor does
        // `switchyard_tokens_total` count them); the row keeps them for display.
        into.cacheHits += 1;
        into.cacheSavedUsd += row.cacheSavedUsd ?? 0;
      } else {
        into.promptTokens += row.promptTokens;
        into.completionTokens += row.completionTokens;
        into.cachedTokens += row.cachedTokens;
        into.reasoningTokens += row.reasoningTokens;
        if (row.costUsd !== null) into.costUsd += row.costUsd;
        else if (row.promptTokens + row.completionTokens > 0) into.unpricedRequests += 1;
      }
      // A batch line's wait for its provider's window is not a live latency: it stays out of the
      // percentiles (its row says 0 ms).
      if (live) {
        into.latencySumMs += row.latencyTotalMs;
        (into.latency[bucket] as number) += 1;
      }
      for (const attempt of tried) {
        const a = attempts.row(attempt.provider, attempt.outcome, '', g, bucketMs, bucketStart);
        a.attempts += 1;
        a.latencySumMs += attempt.duration_ms;
        (a.latency[latencyBucket(attempt.duration_ms)] as number) += 1;
      }
    }
  }
  return { requests: requests.rows(), attempts: attempts.rows() };
}

function newRequestRollup(
  provider: string,
  model: string,
  statusClass: string,
  bucketMs: number,
  bucketStart: number,
): RequestRollup {
  return {
    bucketMs,
    bucketStart,
    provider,
    model,
    statusClass,
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    cacheHits: 0,
    cacheSavedUsd: 0,
    latencySumMs: 0,
    latency: new Array<number>(LATENCY_BUCKETS).fill(0),
    unpricedRequests: 0,
  };
}

function newAttemptRollup(
  provider: string,
  outcome: string,
  _unused: string,
  bucketMs: number,
  bucketStart: number,
): AttemptRollup {
  return {
    bucketMs,
    bucketStart,
    provider,
    outcome,
    attempts: 0,
    latencySumMs: 0,
    latency: new Array<number>(LATENCY_BUCKETS).fill(0),
  };
}

/** Why `row` cannot be stored, or undefined (checked before queueing: one bad row would fail its batch forever). */
export function requestRowProblem(row: RequestRow): string | undefined {
  if (typeof row.requestId !== 'string' || row.requestId === '')
    return 'requestId must be a non-empty string';
  if (!Number.isSafeInteger(row.timeMs) || row.timeMs < 0)
    return `timeMs must be epoch ms, got ${row.timeMs}`;
  if (!Number.isSafeInteger(row.status)) return `status must be a whole number, got ${row.status}`;
  for (const name of [
    'promptTokens',
    'completionTokens',
    'cachedTokens',
    'reasoningTokens',
    'attempts',
  ] as const) {
    const value = row[name];
    if (!Number.isSafeInteger(value) || value < 0) return `${name} must be a whole number >= 0, got ${value}`;
  }
  for (const name of [
    'latencyTotalMs',
    'latencyGatewayMs',
    'latencyNetworkMs',
    'latencyInferenceMs',
  ] as const) {
    const value = row[name];
    if (!Number.isFinite(value) || value < 0) return `${name} must be a finite number >= 0, got ${value}`;
  }
  for (const name of ['costUsd', 'costEstimateUsd'] as const) {
    const value = row[name];
    if (value !== null && !(Number.isFinite(value) && value >= 0))
      return `${name} must be null or a finite number >= 0, got ${value}`;
  }
  return undefined;
}

/**
 * The rollup columns migration 2 created, frozen: later columns are added by their own migration (7:
 * `unpriced_requests`), so a fresh store and a migrated one end with the same table.
 */
export const REQUEST_ROLLUP_SUMS_V2 = [
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cache_hits',
  'cache_saved_usd',
  'latency_sum_ms',
  ...Array.from({ length: LATENCY_BUCKETS }, (_, i) => `l${i}`),
] as const;

/** The rollup columns, in the order both stores bind them. */
export const REQUEST_ROLLUP_SUMS = [...REQUEST_ROLLUP_SUMS_V2, 'unpriced_requests'] as const;

export const ATTEMPT_ROLLUP_SUMS = [
  'attempts',
  'latency_sum_ms',
  ...Array.from({ length: LATENCY_BUCKETS }, (_, i) => `l${i}`),
] as const;

export function requestRollupValues(r: RequestRollup): number[] {
  return [
    r.requests,
    r.promptTokens,
    r.completionTokens,
    r.cachedTokens,
    r.reasoningTokens,
    r.costUsd,
    r.cacheHits,
    r.cacheSavedUsd,
    r.latencySumMs,
    ...r.latency,
    r.unpricedRequests,
  ];
}

export function attemptRollupValues(r: AttemptRollup): number[] {
  return [r.attempts, r.latencySumMs, ...r.latency];
}

type Row = Record<string, unknown>;

export function toRequestRollup(row: Row): RequestRollup {
  return {
    bucketMs: Number(row.bucket_ms),
    bucketStart: Number(row.bucket_start),
    provider: row.provider as string,
    model: row.model as string,
    statusClass: row.status_class as string,
    requests: Number(row.requests),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cachedTokens: Number(row.cached_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    costUsd: Number(row.cost_usd),
    cacheHits: Number(row.cache_hits),
    cacheSavedUsd: Number(row.cache_saved_usd),
    latencySumMs: Number(row.latency_sum_ms),
    latency: Array.from({ length: LATENCY_BUCKETS }, (_, i) => Number(row[`l${i}`])),
    unpricedRequests: Number(row.unpriced_requests ?? 0),
  };
}

export function toAttemptRollup(row: Row): AttemptRollup {
  return {
    bucketMs: Number(row.bucket_ms),
    bucketStart: Number(row.bucket_start),
    provider: row.provider as string,
    outcome: row.outcome as string,
    attempts: Number(row.attempts),
    latencySumMs: Number(row.latency_sum_ms),
    latency: Array.from({ length: LATENCY_BUCKETS }, (_, i) => Number(row[`l${i}`])),
  };
}

/** The row's columns as both stores name them, in insert order. */
export const REQUEST_COLUMNS = [
  'request_id',
  'time_ms',
  'tenant',
  'key_id',
  'model',
  'provider',
  'upstream_model',
  'status',
  'attempts',
  'stream',
  'cache',
  'finish_reason',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'usage_estimated',
  'cost_usd',
  'cost_estimate_usd',
  'latency_total_ms',
  'latency_gateway_ms',
  'latency_network_ms',
  'latency_inference_ms',
  'error_code',
  'detail',
] as const;

/**
 * The row's fields in REQUEST_COLUMNS order, as they are (booleans as booleans, `detail` as an object):
 * each store converts what its driver needs, and the SQLite log thread's wire appends the rest.
 */
export function requestColumnValues(row: RequestRow): unknown[] {
  return [
    row.requestId,
    row.timeMs,
    row.tenant,
    row.keyId,
    row.model,
    row.provider,
    row.upstreamModel,
    row.status,
    row.attempts,
    row.stream,
    row.cache,
    row.finishReason,
    row.promptTokens,
    row.completionTokens,
    row.cachedTokens,
    row.reasoningTokens,
    row.usageEstimated,
    row.costUsd,
    row.costEstimateUsd,
    row.latencyTotalMs,
    row.latencyGatewayMs,
    row.latencyNetworkMs,
    row.latencyInferenceMs,
    row.errorCode,
    row.detail,
  ];
}

export function toRequestRow(row: Row): RequestRow {
  const detail = typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail;
  return {
    requestId: row.request_id as string,
    timeMs: Number(row.time_ms),
    tenant: row.tenant as string | null,
    keyId: row.key_id as string | null,
    model: row.model as string,
    provider: row.provider as string | null,
    upstreamModel: row.upstream_model as string | null,
    status: Number(row.status),
    attempts: Number(row.attempts),
    stream: row.stream === true || row.stream === 1 || row.stream === 1n,
    cache: row.cache as string | null,
    finishReason: row.finish_reason as string | null,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cachedTokens: Number(row.cached_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    usageEstimated: row.usage_estimated === true || row.usage_estimated === 1 || row.usage_estimated === 1n,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    costEstimateUsd: row.cost_estimate_usd === null ? null : Number(row.cost_estimate_usd),
    latencyTotalMs: Number(row.latency_total_ms),
    latencyGatewayMs: Number(row.latency_gateway_ms),
    latencyNetworkMs: Number(row.latency_network_ms),
    latencyInferenceMs: Number(row.latency_inference_ms),
    errorCode: row.error_code as string | null,
    detail: detail as RequestDetail,
  };
}
