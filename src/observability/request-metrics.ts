/**
 * The per-request metrics of one provider, with every label child resolved once (docs/style.md §2.9)
 * instead of hashing a label object on each request. Provider names come from config (plus `none`),
 * status classes from a fixed list, so the cache stays as small as the label sets it mirrors.
 */
import type { Counter, Histogram } from 'prom-client';
import type { Usage } from '../protocol/chat-response.ts';
import type { GatewayMetrics } from './metrics.ts';

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

interface StreamModeChildren {
  duration: HistogramChild;
  /** By status class, filled on first use: `2xx`, `4xx`, `client_closed`, ... */
  requests: Map<string, CounterChild>;
}

class ProviderRequestMetrics {
  readonly #metrics: GatewayMetrics;
  readonly #provider: string;
  readonly #json: StreamModeChildren;
  readonly #stream: StreamModeChildren;
  readonly #prompt: CounterChild;
  readonly #completion: CounterChild;
  readonly #cached: CounterChild;
  readonly #reasoning: CounterChild;
  readonly #streamErrors: CounterChild;
  readonly #attemptsOk: CounterChild;
  readonly #cost: CounterChild;
  /** Made on the first stream this provider answers. */
  #timeToFirstToken: HistogramChild | undefined;

  constructor(metrics: GatewayMetrics, provider: string) {
    this.#metrics = metrics;
    this.#provider = provider;
    this.#json = { duration: metrics.requestDuration.labels(provider, 'false'), requests: new Map() };
    this.#stream = { duration: metrics.requestDuration.labels(provider, 'true'), requests: new Map() };
    this.#prompt = metrics.tokens.labels(provider, 'prompt');
    this.#completion = metrics.tokens.labels(provider, 'completion');
    this.#cached = metrics.tokens.labels(provider, 'cached');
    this.#reasoning = metrics.tokens.labels(provider, 'reasoning');
    this.#streamErrors = metrics.streamErrors.labels(provider);
    this.#attemptsOk = metrics.upstreamAttempts.labels(provider, 'ok');
    this.#cost = metrics.costUsd.labels(provider);
  }

  cost(usd: number): void {
    this.#cost.inc(usd);
  }

  timeToFirstToken(seconds: number): void {
    this.#timeToFirstToken ??= this.#metrics.timeToFirstToken.labels(this.#provider);
    this.#timeToFirstToken.observe(seconds);
  }

  /** An upstream attempt that answered (failures are rarer and counted by their class directly). */
  attemptOk(): void {
    this.#attemptsOk.inc();
  }

  /** `statusLabel`: requestStatusClass (metrics.ts) of the request's status and error code. */
  request(statusLabel: string, stream: boolean, seconds: number): void {
    const mode = stream ? this.#stream : this.#json;
    let requests = mode.requests.get(statusLabel);
    if (requests === undefined) {
      requests = this.#metrics.requests.labels(this.#provider, statusLabel, stream ? 'true' : 'false');
      mode.requests.set(statusLabel, requests);
    }
    requests.inc();
    mode.duration.observe(seconds);
  }

  tokens(usage: Usage): void {
    this.#prompt.inc(usage.prompt_tokens);
    this.#completion.inc(usage.completion_tokens);
    const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
    const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
    if (cached > 0) this.#cached.inc(cached);
    if (reasoning > 0) this.#reasoning.inc(reasoning);
  }

  streamError(): void {
    this.#streamErrors.inc();
  }
}

/**
 * The `provider` label of a request's own metrics (requests, duration, time to first token): the provider
 * that answered, `none` when none did, and `cache` for a cache hit, which no provider served now: a
 * provider's latency and TTFT must not get faster as its hit rate rises (its tokens are left out too).
 */
export function metricsProviderOf(ctx: { provider: string | null; cacheStatus: string }): string {
  if (ctx.cacheStatus === 'HIT') return 'cache';
  return ctx.provider ?? 'none';
}

const byMetrics = new WeakMap<GatewayMetrics, Map<string, ProviderRequestMetrics>>();

export function requestMetricsFor(metrics: GatewayMetrics, provider: string): ProviderRequestMetrics {
  let providers = byMetrics.get(metrics);
  if (providers === undefined) {
    providers = new Map();
    byMetrics.set(metrics, providers);
  }
  let children = providers.get(provider);
  if (children === undefined) {
    children = new ProviderRequestMetrics(metrics, provider);
    providers.set(provider, children);
  }
  return children;
}
