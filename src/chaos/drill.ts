/**
 * The chaos drill (`switchyard chaos`, issue 13): a gateway started in-process on a config, traffic sent
 * to its multi-target models, and each provider made hard down in turn (every attempt answered 503 by
 * the chaos section's injection, so no upstream is harmed), then healthy again. Per provider it measures
 * what a user would feel and what an operator wants to know: the success rate, the extra latency of the
 * requests that fell over, how long until the provider's breaker opened, attempts the dead provider still
 * got while its breaker was open (trials after the open period are not counted: they are the way back),
 * and how long until its breakers closed once it recovered.
 */
import pino from 'pino';
import type { Config } from '../config/schema.ts';
import { createMetrics } from '../observability/metrics.ts';
import { Gateway } from '../server/gateway.ts';

export interface DrillOptions {
  config: Config;
  /** Requests per degraded provider (the baseline sends a tenth of it, at least 20). */
  requests: number;
  concurrency: number;
  /** Longest wait for a recovered provider's breakers to close; default max_open_ms + probe interval + 5 s. */
  recoveryTimeoutMs?: number;
  /** Progress lines (one per phase). */
  progress?: (line: string) => void;
}

export interface ProviderDrill {
  provider: string;
  models: string[];
  requests: number;
  succeeded: number;
  /** Requests answered after more than one attempt, and their latency above the baseline median, ms. */
  fellOver: number;
  extraMsP50: number | null;
  extraMsP95: number | null;
  /** From the first degraded request to the provider's first breaker opening; null: none opened. */
  breakerOpenMs: number | null;
  /** Attempts on the provider by requests that started while one of its breakers was open. */
  attemptsWhileOpen: number;
  /**
   * For each such attempt, the request's log line and that target's breaker lines of the phase, as JSON:
   * what a nonzero count needs to be read (one run in a few counted 1 under a loaded test suite).
   */
  attemptsWhileOpenEvidence: string[];
  /** From the provider's recovery to all of its breakers closed; null: not within the timeout. */
  recoveryMs: number | null;
}

export interface DrillReport {
  baselineP50Ms: number;
  providers: ProviderDrill[];
}

interface LogLine {
  at: number;
  msg?: string;
  target?: string;
  breaker?: string;
  until?: string | null;
  attempts?: Array<{ target: string }>;
  latency_ms?: { total: number };
}

interface Sent {
  model: string;
  ok: boolean;
  /** The answer's status, or 0 when none came. */
  status: number;
  ms: number;
  attempts: number;
}

export async function runChaosDrill(options: DrillOptions): Promise<DrillReport> {
  const logs: LogLine[] = [];
  // A line's own time (pino's epoch ms, taken as the line is made, in the same breath as a request's
  // total latency), not the moment it reached this stream: a collection between the two once put 4 ms
  // between them, and a request that began before its target's breaker opened read as one begun after.
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        const parsed = JSON.parse(line) as LogLine & { time?: unknown };
        logs.push({ ...parsed, at: typeof parsed.time === 'number' ? parsed.time : Date.now() });
      },
    },
  );
  const gateway = new Gateway({
    config: drillConfig(options.config),
    services: { logger, metrics: createMetrics({ defaultMetrics: false }), random: Math.random },
  });
  const address = await gateway.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}/v1/chat/completions`;
  const progress = options.progress ?? (() => {});
  try {
    const byProvider = multiTargetModels(options.config);
    const allModels = [...new Set([...byProvider.values()].flat())];
    if (allModels.length === 0) throw new Error('the config has no model with two or more targets to drill');
    // Connections opened and code warmed first: the baseline is the steady state fallbacks are compared to.
    await traffic(url, allModels, options.concurrency * 2, options.concurrency);
    const baseline = await traffic(
      url,
      allModels,
      Math.max(20, Math.floor(options.requests / 10)),
      options.concurrency,
    );
    const baselineP50Ms = percentile(
      baseline.map((s) => s.ms),
      0.5,
    );
    // Nothing measured against a baseline that never worked would mean anything (a key the providers
    // refuse, say): said, not printed as a drill of 0 % success.
    if (!baseline.some((sent) => sent.ok))
      throw new Error(`no baseline request succeeded: ${answersOf(baseline)}`);
    progress(`baseline: ${baseline.length} requests, p50 ${baselineP50Ms.toFixed(1)} ms`);
    // A fallback's extra latency is against its own model's baseline: models differ in speed.
    const modelP50 = new Map<string, number>();
    for (const model of allModels)
      modelP50.set(
        model,
        percentile(
          baseline.filter((s) => s.model === model).map((s) => s.ms),
          0.5,
        ),
      );
    const results: ProviderDrill[] = [];
    const breaker = options.config.breaker;
    const recoveryTimeoutMs =
      options.recoveryTimeoutMs ?? breaker.max_open_ms + options.config.health.probe_interval_ms + 5_000;
    for (const [provider, models] of byProvider) {
      gateway.chaos.set({ seed: 1, providers: { [provider]: hardDown() } });
      const degradedAt = Date.now();
      const sent = await traffic(url, models, options.requests, options.concurrency);
      const openings = breakerOpenings(logs, provider, degradedAt);
      const firstOpen = openings[0];
      const whileOpen = countAttemptsWhileOpen(logs, provider, degradedAt, openings);
      gateway.chaos.set(undefined);
      const recoveryMs = await recovery(
        gateway,
        url,
        models,
        provider,
        options.concurrency,
        recoveryTimeoutMs,
      );
      const extra = sent
        .filter((s) => s.ok && s.attempts > 1)
        .map((s) => s.ms - (modelP50.get(s.model) ?? baselineP50Ms));
      const result: ProviderDrill = {
        provider,
        models,
        requests: sent.length,
        succeeded: sent.filter((s) => s.ok).length,
        fellOver: extra.length,
        extraMsP50: extra.length === 0 ? null : percentile(extra, 0.5),
        extraMsP95: extra.length === 0 ? null : percentile(extra, 0.95),
        breakerOpenMs: firstOpen === undefined ? null : firstOpen.at - degradedAt,
        attemptsWhileOpen: whileOpen.count,
        attemptsWhileOpenEvidence: whileOpen.evidence,
        recoveryMs,
      };
      results.push(result);
      progress(`${provider}: ${formatRow(result)}`);
    }
    return { baselineP50Ms, providers: results };
  } finally {
    await gateway.shutdown(1000);
  }
}

/** The chaos section's entry for a provider that is down: every attempt a 503. */
function hardDown() {
  return { error_rate: 1, status: 503, latency_ms: 0, stall_rate: 0, cut_rate: 0, malformed_rate: 0 };
}

/** Provider → the virtual models with two or more targets that use it (only those can fall over). */
function multiTargetModels(config: Config): Map<string, string[]> {
  const byProvider = new Map<string, string[]>();
  for (const [name, model] of Object.entries(config.models)) {
    const providers = new Set(
      model.targets.map((t) => (typeof t === 'string' ? t : t.target).split('/')[0] as string),
    );
    if (model.targets.length < 2 || providers.size < 2) continue;
    for (const provider of providers) {
      const models = byProvider.get(provider) ?? [];
      models.push(name);
      byProvider.set(provider, models);
    }
  }
  return byProvider;
}

async function traffic(url: string, models: string[], count: number, concurrency: number): Promise<Sent[]> {
  const results: Sent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await send(url, models[index % models.length] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/**
 * The config the drill's own gateway runs: routing, resilience and providers as given, without what would
 * answer for the providers or refuse the drill's traffic before it reaches them. Tenants (the drill sends
 * no key; the gateway it starts opens no store, so no store key either), and with them limits and budgets;
 * the cache (a hit would hide a provider that is down); and the config's own fault injection, which the
 * drill replaces with its own.
 */
function drillConfig(config: Config): Config {
  return { ...config, tenants: {}, cache: { ...config.cache, mode: 'off' }, chaos: undefined };
}

/** `401 × 20, no answer × 2`: what the requests got back, most frequent first. */
function answersOf(sent: readonly Sent[]): string {
  const counts = new Map<number, number>();
  for (const one of sent) counts.set(one.status, (counts.get(one.status) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([status, count]) => `${status === 0 ? 'no answer' : status} × ${count}`)
    .join(', ');
}

async function send(url: string, model: string): Promise<Sent> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'chaos drill' }], max_tokens: 16 }),
    });
    await response.arrayBuffer();
    return {
      model,
      ok: response.status === 200,
      status: response.status,
      ms: performance.now() - started,
      attempts: Number(response.headers.get('x-switchyard-attempts') ?? 0),
    };
  } catch {
    return { model, ok: false, status: 0, ms: performance.now() - started, attempts: 0 };
  }
}

interface Opening {
  /** The target (`provider/model`) whose breaker opened. */
  target: string;
  at: number;
  until: number;
}

function breakerOpenings(logs: LogLine[], provider: string, since: number): Opening[] {
  return logs
    .filter(
      (line) =>
        line.msg === 'circuit breaker changed state' &&
        line.breaker === 'open' &&
        line.at >= since &&
        line.target?.startsWith(`${provider}/`) === true,
    )
    .map((line) => ({
      target: line.target as string,
      at: line.at,
      until: line.until == null ? line.at : Date.parse(line.until),
    }));
}

const STAMP_SLACK_MS = 2;

function countAttemptsWhileOpen(
  logs: LogLine[],
  provider: string,
  since: number,
  openings: Opening[],
): { count: number; evidence: string[] } {
  let count = 0;
  const evidence: string[] = [];
  for (const line of logs) {
    if (line.msg !== 'request' || line.at < since || line.attempts === undefined) continue;
    const startedAt = line.at - (line.latency_ms?.total ?? 0);
    // An attempt is wasted when its target's own breaker was open as the request started (each model of
    // a provider has its breaker). Both stamps are whole milliseconds, hence the slack.
    for (const attempt of line.attempts) {
      if (!attempt.target.startsWith(`${provider}/`)) continue;
      const open = openings.some(
        (o) => o.target === attempt.target && startedAt >= o.at + STAMP_SLACK_MS && startedAt < o.until,
      );
      if (!open) continue;
      count++;
      const breakerLines = logs.filter(
        (other) =>
          other.msg === 'circuit breaker changed state' &&
          other.at >= since &&
          other.target === attempt.target,
      );
      evidence.push(JSON.stringify({ startedAt, request: line, breaker: breakerLines }));
    }
  }
  return { count, evidence };
}

/** Traffic until every breaker of `provider` is closed again; the time that took, or null. */
async function recovery(
  gateway: Gateway,
  url: string,
  models: string[],
  provider: string,
  concurrency: number,
  timeoutMs: number,
): Promise<number | null> {
  const started = Date.now();
  const closed = () => {
    for (const target of gateway.routing.targets.values())
      if (target.provider.name === provider && target.breaker.state !== 'closed') return false;
    return true;
  };
  while (Date.now() - started < timeoutMs) {
    if (closed()) return Date.now() - started;
    await traffic(url, models, concurrency, concurrency);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return closed() ? Date.now() - started : null;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] as number;
}

function ms(value: number | null, suffix = ''): string {
  return value === null ? '—' : `${Math.round(value)} ms${suffix}`;
}

/** A latency difference: `+12 ms`, `−3 ms` (a fallback can be faster than its model's median). */
function signedMs(value: number | null): string {
  if (value === null) return '—';
  const rounded = Math.round(value);
  return `${rounded < 0 ? '−' : '+'}${Math.abs(rounded)} ms`;
}

function formatRow(r: ProviderDrill): string {
  const rate = ((100 * r.succeeded) / Math.max(1, r.requests)).toFixed(2);
  return [
    `${r.succeeded}/${r.requests} succeeded (${rate} %)`,
    `${r.fellOver} fell over, ${signedMs(r.extraMsP50)} p50 / ${signedMs(r.extraMsP95)} p95`,
    `breaker open after ${ms(r.breakerOpenMs)}`,
    `${r.attemptsWhileOpen} attempts on it while open`,
    `recovered after ${ms(r.recoveryMs)}`,
  ].join('; ');
}

/** The report as the CLI prints it: one table row per degraded provider. */
export function formatDrillReport(report: DrillReport): string {
  const rows = report.providers.map((r) => {
    const rate = ((100 * r.succeeded) / Math.max(1, r.requests)).toFixed(2);
    return `| ${r.provider} | ${r.models.join(', ')} | ${r.succeeded}/${r.requests} (${rate} %) | ${signedMs(r.extraMsP50)} / ${signedMs(r.extraMsP95)} | ${ms(r.breakerOpenMs)} | ${r.attemptsWhileOpen} | ${ms(r.recoveryMs)} |`;
  });
  return [
    `baseline p50: ${report.baselineP50Ms.toFixed(1)} ms`,
    '| provider down | models | success | fallback extra latency p50 / p95 | breaker open after | attempts on it while open | recovered after |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
