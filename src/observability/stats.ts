/**
 * `GET /admin/stats?window=15m|1h|24h` (docs/design.md §1) from the rollups, never the log itself: a window
 * reads at most a few hundred buckets per provider and model whatever the traffic. Per provider and per
 * model: requests, success rate, error classes, p50/p95 latency, traffic share, tokens, cost; cache hits
 * and savings; and the same per bucket as time series, which is what the dashboard draws.
 *
 * Provider reliability counts upstream attempts (a provider that failed and was rescued by a fallback
 * still failed), never those cut short before the provider said anything (attempt-outcomes.ts); traffic
 * share counts the requests each provider answered. Cache hits are no provider's traffic: they roll up
 * under `cache` (store/request-log.ts), a line of their own in the traffic series and in no provider's
 * figures, and carry no tokens (no provider spent any on them, as in `switchyard_tokens_total`).
 */
import { CLIENT_FAULT_OUTCOMES, NOT_THE_PROVIDER_OUTCOMES } from './attempt-outcomes.ts';
import {
  type AttemptRollup,
  CACHE_PROVIDER,
  LATENCY_BOUNDS_MS,
  LATENCY_BUCKETS,
  NO_PROVIDER,
  type RequestRollup,
} from '../store/request-log.ts';

export const STATS_WINDOWS = {
  '15m': { windowMs: 15 * 60_000, bucketMs: 10_000 },
  '1h': { windowMs: 3_600_000, bucketMs: 60_000 },
  '24h': { windowMs: 86_400_000, bucketMs: 3_600_000 },
} as const;

export type StatsWindow = keyof typeof STATS_WINDOWS;

export function isStatsWindow(value: string): value is StatsWindow {
  return Object.hasOwn(STATS_WINDOWS, value);
}

/** The rollup range a window reads at `nowMs`: whole buckets, the current (partial) one included. */
export function windowRange(
  window: StatsWindow,
  nowMs: number,
): { bucketMs: number; fromMs: number; toMs: number } {
  const { windowMs, bucketMs } = STATS_WINDOWS[window];
  const toMs = nowMs - (nowMs % bucketMs) + bucketMs;
  return { bucketMs, fromMs: toMs - windowMs, toMs };
}

/** The latency at quantile `q` of a bucketed histogram, interpolated within its bucket; null when empty. */
export function quantileMs(histogram: readonly number[], q: number): number | null {
  let total = 0;
  for (const count of histogram) total += count;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    const count = histogram[i] as number;
    if (count === 0 || seen + count < rank) {
      seen += count;
      continue;
    }
    const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number);
    // The open last bucket has no upper bound: its lower bound is the honest answer.
    if (i >= LATENCY_BOUNDS_MS.length) return lower;
    const upper = LATENCY_BOUNDS_MS[i] as number;
    return Math.round(lower + ((rank - seen) / count) * (upper - lower));
  }
  return LATENCY_BOUNDS_MS.at(-1) as number;
}

interface Tokens {
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
}

interface Aggregate {
  requests: number;
  ok: number;
  tokens: Tokens;
  costUsd: number;
  /** Requests whose cost is unknown (no price): `costUsd` is then a lower bound. */
  unpricedRequests: number;
  latency: number[];
  statusClasses: Record<string, number>;
}

function emptyAggregate(): Aggregate {
  return {
    requests: 0,
    ok: 0,
    tokens: { prompt: 0, completion: 0, cached: 0, reasoning: 0 },
    costUsd: 0,
    unpricedRequests: 0,
    latency: new Array<number>(LATENCY_BUCKETS).fill(0),
    statusClasses: {},
  };
}

function addRequests(into: Aggregate, r: RequestRollup): void {
  into.requests += r.requests;
  if (r.statusClass === '2xx') into.ok += r.requests;
  into.tokens.prompt += r.promptTokens;
  into.tokens.completion += r.completionTokens;
  into.tokens.cached += r.cachedTokens;
  into.tokens.reasoning += r.reasoningTokens;
  into.costUsd += r.costUsd;
  into.unpricedRequests += r.unpricedRequests;
  into.statusClasses[r.statusClass] = (into.statusClasses[r.statusClass] ?? 0) + r.requests;
  for (let i = 0; i < LATENCY_BUCKETS; i++) (into.latency[i] as number) += r.latency[i] ?? 0;
}

interface AttemptAggregate {
  attempts: number;
  ok: number;
  errorClasses: Record<string, number>;
  /** Latency of answering attempts only: a timeout's deadline is not the provider's speed. */
  latency: number[];
  /** Hedged attempts another attempt beat (counted apart: not the provider's failure). */
  hedgesLost: number;
  /** The request's own errors the provider answered (bad_request…), by class: counted apart too. */
  clientErrors: Record<string, number>;
}

function emptyAttempts(): AttemptAggregate {
  return {
    attempts: 0,
    ok: 0,
    errorClasses: {},
    latency: new Array<number>(LATENCY_BUCKETS).fill(0),
    hedgesLost: 0,
    clientErrors: {},
  };
}

/**
 * A client that left, a hedge's loser, or the request's own error (a 400 the provider answered) says
 * nothing about the provider: the same list the degradation alerts leave out.
 */
function countsForReliability(outcome: string): boolean {
  return !NOT_THE_PROVIDER_OUTCOMES.has(outcome);
}

function addAttempts(into: AttemptAggregate, a: AttemptRollup): void {
  if (a.outcome === 'hedge_lost') into.hedgesLost += a.attempts;
  if (CLIENT_FAULT_OUTCOMES.has(a.outcome))
    into.clientErrors[a.outcome] = (into.clientErrors[a.outcome] ?? 0) + a.attempts;
  if (!countsForReliability(a.outcome)) return;
  into.attempts += a.attempts;
  if (a.outcome === 'ok') {
    into.ok += a.attempts;
    for (let i = 0; i < LATENCY_BUCKETS; i++) (into.latency[i] as number) += a.latency[i] ?? 0;
  } else into.errorClasses[a.outcome] = (into.errorClasses[a.outcome] ?? 0) + a.attempts;
}

/** `map[key]`, created by `make` on first use. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

function usd(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/**
 * An aggregate's cost as /admin/stats shows it: `cost_usd` sums the known costs, and is null (unknown,
 * never zero: docs/design.md §1) when every costed request had no price; `unpriced_requests` says how
 * many requests the sum leaves out.
 */
function costOf(a: Aggregate): { cost_usd: number | null; unpriced_requests: number } {
  const unknown = a.unpricedRequests > 0 && a.costUsd === 0;
  return { cost_usd: unknown ? null : usd(a.costUsd), unpriced_requests: a.unpricedRequests };
}

export interface TenantSpend {
  tenant: string;
  period: string;
  spent_usd: number;
  budget_usd: number | null;
}

export function computeStats(
  window: StatsWindow,
  nowMs: number,
  rollups: { requests: RequestRollup[]; attempts: AttemptRollup[] },
  tenants: TenantSpend[],
) {
  const range = windowRange(window, nowMs);
  const buckets: number[] = [];
  for (let at = range.fromMs; at < range.toMs; at += range.bucketMs) buckets.push(at);
  const slot = (bucketStart: number) => Math.floor((bucketStart - range.fromMs) / range.bucketMs);

  const total = emptyAggregate();
  const byProvider = new Map<string, Aggregate>();
  const byModel = new Map<string, Aggregate>();
  const attemptsByProvider = new Map<string, AttemptAggregate>();
  let cacheHits = 0;
  let cacheSavedUsd = 0;
  const traffic = new Map<string, number[]>();
  const seriesAttempts = new Map<string, AttemptAggregate[]>();
  const errorSeries = new Map<string, number[]>();

  for (const r of rollups.requests) {
    addRequests(total, r);
    addRequests(entry(byProvider, r.provider, emptyAggregate), r);
    addRequests(entry(byModel, r.model, emptyAggregate), r);
    cacheHits += r.cacheHits;
    cacheSavedUsd += r.cacheSavedUsd;
    const i = slot(r.bucketStart);
    if (i < 0 || i >= buckets.length || r.provider === NO_PROVIDER) continue;
    const line = entry(traffic, r.provider, () => new Array<number>(buckets.length).fill(0));
    line[i] = (line[i] as number) + r.requests;
  }
  for (const a of rollups.attempts) {
    addAttempts(entry(attemptsByProvider, a.provider, emptyAttempts), a);
    const i = slot(a.bucketStart);
    if (i < 0 || i >= buckets.length) continue;
    const series = entry(seriesAttempts, a.provider, () => buckets.map(() => emptyAttempts()));
    addAttempts(series[i] as AttemptAggregate, a);
    if (a.outcome !== 'ok' && countsForReliability(a.outcome)) {
      const line = entry(errorSeries, a.outcome, () => new Array<number>(buckets.length).fill(0));
      line[i] = (line[i] as number) + a.attempts;
    }
  }

  const answered =
    total.requests -
    (byProvider.get(NO_PROVIDER)?.requests ?? 0) -
    (byProvider.get(CACHE_PROVIDER)?.requests ?? 0);
  const providerNames = new Set([...byProvider.keys(), ...attemptsByProvider.keys()]);
  providerNames.delete(NO_PROVIDER);
  providerNames.delete(CACHE_PROVIDER);
  const providers = [...providerNames].sort().map((name) => {
    const requests = byProvider.get(name) ?? emptyAggregate();
    const attempts = attemptsByProvider.get(name) ?? emptyAttempts();
    return {
      provider: name,
      requests: requests.requests,
      traffic_share: ratio(requests.requests, answered),
      attempts: attempts.attempts,
      success_rate: ratio(attempts.ok, attempts.attempts),
      error_classes: attempts.errorClasses,
      hedges_lost: attempts.hedgesLost,
      client_errors: attempts.clientErrors,
      latency_ms: { p50: quantileMs(attempts.latency, 0.5), p95: quantileMs(attempts.latency, 0.95) },
      tokens: requests.tokens,
      ...costOf(requests),
    };
  });
  const models = [...byModel.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, m]) => ({
      model: name,
      requests: m.requests,
      traffic_share: ratio(m.requests, total.requests),
      success_rate: ratio(m.ok, m.requests),
      status_classes: m.statusClasses,
      latency_ms: { p50: quantileMs(m.latency, 0.5), p95: quantileMs(m.latency, 0.95) },
      tokens: m.tokens,
      ...costOf(m),
    }));

  const successSeries: Record<string, Array<number | null>> = {};
  const p50Series: Record<string, Array<number | null>> = {};
  const p95Series: Record<string, Array<number | null>> = {};
  for (const [name, series] of seriesAttempts) {
    successSeries[name] = series.map((s) => ratio(s.ok, s.attempts));
    p50Series[name] = series.map((s) => quantileMs(s.latency, 0.5));
    p95Series[name] = series.map((s) => quantileMs(s.latency, 0.95));
  }

  return {
    window,
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    bucket_s: range.bucketMs / 1000,
    totals: {
      requests: total.requests,
      success_rate: ratio(total.ok, total.requests),
      latency_ms: { p50: quantileMs(total.latency, 0.5), p95: quantileMs(total.latency, 0.95) },
      tokens: total.tokens,
      ...costOf(total),
    },
    providers,
    models,
    tenants,
    cache: { hits: cacheHits, hit_rate: ratio(cacheHits, total.requests), saved_usd: usd(cacheSavedUsd) },
    series: {
      time: buckets.map((at) => at / 1000),
      traffic: Object.fromEntries(traffic),
      success_rate: successSeries,
      latency_p50_ms: p50Series,
      latency_p95_ms: p95Series,
      errors: Object.fromEntries(errorSeries),
    },
  };
}

export type Stats = ReturnType<typeof computeStats>;
