/**
 * Prometheus metrics. Label sets are bounded (docs/style.md §2.9): provider names and status classes come
 * from config and a fixed list, never from client input; tenants and keys are not labels.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'provider' | 'status_class' | 'stream'>;
  requestDuration: Histogram<'provider' | 'stream'>;
  upstreamAttempts: Counter<'provider' | 'outcome'>;
  tokens: Counter<'provider' | 'kind'>;
  streamErrors: Counter<'provider'>;
  /**
   * Resilience (issue 5). Per-model series exist only for targets with routing state: configured or
   * listed ones and direct names that answered, at most MAX_ANSWERED_DIRECT_TARGETS per provider
   * (routing/runtime.ts), so provider and model labels stay bounded whatever names clients send.
   */
  breakerState: Gauge<'provider' | 'model'>;
  breakerTransitions: Counter<'provider' | 'model' | 'state'>;
  healthScore: Gauge<'provider' | 'model'>;
  retries: Counter<'provider'>;
  fallbacks: Counter<'provider'>;
  keyCooldowns: Counter<'provider' | 'reason'>;
  keyAuthFailures: Counter<'provider'>;
  healthProbes: Counter<'provider' | 'outcome'>;
  /** Called before each scrape to refresh gauges computed from live state (health scores). */
  beforeCollect: Set<() => void>;
  // Observability (issue 12).
  costUsd: Counter<'provider'>;
  /** Requests refused before any upstream: rate_limit_exceeded, budget_exceeded, concurrency, … (error codes). */
  refusals: Counter<'code'>;
  inFlightRequests: Gauge;
  inFlightStreams: Gauge;
  timeToFirstToken: Histogram<'provider'>;
  storeQueued: Gauge<'queue'>;
  storeDropped: Counter<'queue' | 'reason'>;
  /** Only fed when `logging.metrics_tenant_label` is on (one series per tenant). */
  tenantRequests: Counter<'tenant' | 'status_class'>;
  tenantCostUsd: Counter<'tenant'>;
}

/**
 * `registry`: where to create the metrics; by default a new one. Under --workers it is one whose scrape
 * text is the sum over all workers (cli/cluster-metrics.ts), which is also why the gauges below say how
 * workers' values combine (`aggregator`; counters and histograms add up).
 */
export function createMetrics(
  options: { defaultMetrics?: boolean; registry?: Registry } = {},
): GatewayMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'switchyard_process_' });
  const beforeCollect = new Set<() => void>();
  return {
    registry,
    beforeCollect,
    requests: new Counter({
      name: 'switchyard_requests_total',
      help: 'Chat completion requests by the provider that answered (none when no attempt succeeded, cache for a cache hit) and HTTP status class (stream_error: a stream that broke after its first byte).',
      labelNames: ['provider', 'status_class', 'stream'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from request received to response end, including streaming.',
      labelNames: ['provider', 'stream'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: 'switchyard_upstream_attempts_total',
      help: 'Upstream attempts by outcome: ok or the error class.',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
    tokens: new Counter({
      name: 'switchyard_tokens_total',
      help: 'Tokens by kind (prompt, completion, cached, reasoning) as reported by the provider.',
      labelNames: ['provider', 'kind'],
      registers: [registry],
    }),
    streamErrors: new Counter({
      name: 'switchyard_stream_errors_total',
      help: 'Streams that failed after their first byte reached the client.',
      labelNames: ['provider'],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'switchyard_breaker_state',
      help: 'Circuit breaker per target: 0 closed, 1 half-open, 2 open, 3 isolated (held open by an operator).',
      labelNames: ['provider', 'model'],
      registers: [registry],
      // The worst state any worker sees; a sum of states would mean nothing.
      aggregator: 'max',
    }),
    breakerTransitions: new Counter({
      name: 'switchyard_breaker_transitions_total',
      help: 'Circuit breaker state changes seen by this process, by the state entered.',
      labelNames: ['provider', 'model', 'state'],
      registers: [registry],
    }),
    healthScore: new Gauge({
      name: 'switchyard_target_health_score',
      help: 'Health score per target (0.05..1) that scales its share of traffic; computed at scrape time.',
      labelNames: ['provider', 'model'],
      registers: [registry],
      // A score, not a count: the workers' mean stays in 0.05..1.
      aggregator: 'average',
      collect() {
        for (const refresh of beforeCollect) refresh();
      },
    }),
    retries: new Counter({
      name: 'switchyard_retries_total',
      help: 'Attempts that retried a target already tried for the same request (after a backoff or on another key).',
      labelNames: ['provider'],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'switchyard_fallbacks_total',
      help: 'Requests moved on to another target after a retryable failure, by the provider that failed.',
      labelNames: ['provider'],
      registers: [registry],
    }),
    keyCooldowns: new Counter({
      name: 'switchyard_provider_key_cooldowns_total',
      help: 'Provider keys taken out of rotation: reason rate_limited (429) or auth (401/403, alert on it).',
      labelNames: ['provider', 'reason'],
      registers: [registry],
    }),
    keyAuthFailures: new Counter({
      name: 'switchyard_provider_key_auth_failures_total',
      help: 'A provider refused one of the gateway keys (401/403); the key is out of service. Alert on any increase.',
      labelNames: ['provider'],
      registers: [registry],
    }),
    healthProbes: new Counter({
      name: 'switchyard_health_probes_total',
      help: 'Active health probes by outcome (ok, failed, auth).',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
    costUsd: new Counter({
      name: 'switchyard_cost_usd_total',
      help: 'Cost of answers in USD (reported usage × price), by the provider that answered; unknown prices add nothing.',
      labelNames: ['provider'],
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'switchyard_refusals_total',
      help: 'Requests refused before any upstream by the control plane, by error code (rate_limit_exceeded, budget_exceeded, …).',
      labelNames: ['code'],
      registers: [registry],
    }),
    inFlightRequests: new Gauge({
      name: 'switchyard_in_flight_requests',
      help: 'Chat completion requests being handled now, streams included.',
      registers: [registry],
    }),
    inFlightStreams: new Gauge({
      name: 'switchyard_in_flight_streams',
      help: 'Streaming chat completion requests being handled now.',
      registers: [registry],
    }),
    timeToFirstToken: new Histogram({
      name: 'switchyard_time_to_first_token_seconds',
      help: 'Streams: time from request received to the first chunk sent to the client, by the provider that answered (cache for a cache hit).',
      labelNames: ['provider'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    storeQueued: new Gauge({
      name: 'switchyard_store_queue_rows',
      help: 'Rows waiting for the store or being written, by queue (spend, requests).',
      labelNames: ['queue'],
      registers: [registry],
      collect() {
        for (const refresh of beforeCollect) refresh();
      },
    }),
    storeDropped: new Counter({
      name: 'switchyard_store_dropped_total',
      help: 'Rows dropped instead of waiting for a slow or absent store, by queue and reason (queue_full, invalid, closed, unwritten_at_close).',
      labelNames: ['queue', 'reason'],
      registers: [registry],
    }),
    tenantRequests: new Counter({
      name: 'switchyard_tenant_requests_total',
      help: 'Requests per tenant and status class; only with logging.metrics_tenant_label on.',
      labelNames: ['tenant', 'status_class'],
      registers: [registry],
    }),
    tenantCostUsd: new Counter({
      name: 'switchyard_tenant_cost_usd_total',
      help: 'Cost in USD per tenant; only with logging.metrics_tenant_label on.',
      labelNames: ['tenant'],
      registers: [registry],
    }),
  };
}

export function statusClass(status: number): string {
  if (status === 499) return 'client_closed';
  return `${Math.floor(status / 100)}xx`;
}

/**
 * A request's class in the request counters: a 2xx that carries an error code is a stream that broke
 * after its first byte (the status was already sent), no success, as in the stored rollups.
 */
export function requestStatusClass(status: number, errorCode: string | null): string {
  return errorCode !== null && status >= 200 && status < 300 ? 'stream_error' : statusClass(status);
}
