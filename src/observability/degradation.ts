/**
 * Degradation alerts (issue 12): a provider whose upstream error rate or p95 latency departs from its own
 * trailing baseline, a circuit breaker opening, and each recovery, sent through the alert webhook
 * (alerts/sender.ts) once per condition and UTC hour across instances (the sender's claim).
 *
 * Fed the attempts of each finished request (after the response, off the request path) into per-minute
 * slots of a one-hour ring per provider; `check()` runs on a timer. The current window is the last
 * `CURRENT_MS`, the baseline the rest of the hour. Breaker states are read from the routing runtime at
 * each check, so a breaker that opens and closes again between two checks is not alerted.
 */
import type { Alert, AlertKind, AlertSink } from '../alerts/types.ts';
import { LATENCY_BUCKETS, latencyBucket, type RequestRow } from '../store/request-log.ts';
import { NOT_THE_PROVIDER_OUTCOMES } from './attempt-outcomes.ts';
import { quantileMs } from './stats.ts';

const MINUTE_MS = 60_000;
const SLOTS = 60;
const CURRENT_MS = 5 * MINUTE_MS;

export interface DegradationPolicy {
  /** Attempts the current window needs before it is judged. */
  minAttempts: number;
  /** The error rate that is always too high, whatever the baseline. */
  minErrorRate: number;
  /** How far the p95 must exceed the baseline's: this many times, and by at least `minLatencyStepMs`. */
  latencyFactor: number;
  minLatencyStepMs: number;
}

export const DEFAULT_DEGRADATION_POLICY: DegradationPolicy = {
  minAttempts: 20,
  minErrorRate: 0.1,
  latencyFactor: 2,
  minLatencyStepMs: 250,
};

interface Slot {
  minute: number;
  attempts: number;
  failures: number;
  latency: number[];
}

interface Window {
  attempts: number;
  failures: number;
  latency: number[];
}

export interface BreakerSource {
  /** Target id → its breaker state now. */
  breakerStates(): Iterable<[string, string]>;
}

export class DegradationMonitor {
  readonly #sink: AlertSink;
  readonly #policy: DegradationPolicy;
  readonly #rings = new Map<string, Slot[]>();
  /** Providers alerted as degraded, by condition (`error_rate`, `latency`), until they recover. */
  readonly #degraded = new Map<string, Set<string>>();
  #breakers = new Map<string, string>();

  constructor(sink: AlertSink, policy: DegradationPolicy = DEFAULT_DEGRADATION_POLICY) {
    this.#sink = sink;
    this.#policy = policy;
  }

  /** Adds a finished request's attempts; `atMs` is when it ended. */
  record(row: RequestRow, atMs: number): void {
    const minute = Math.floor(atMs / MINUTE_MS);
    for (const attempt of row.detail.attempts) {
      if (NOT_THE_PROVIDER_OUTCOMES.has(attempt.outcome)) continue;
      const slot = this.#slot(attempt.provider, minute);
      slot.attempts += 1;
      if (attempt.outcome === 'ok') (slot.latency[latencyBucket(attempt.duration_ms)] as number) += 1;
      else slot.failures += 1;
    }
  }

  /** Judges every provider and breaker now, raising what changed. */
  check(nowMs: number, breakers?: BreakerSource): void {
    const minute = Math.floor(nowMs / MINUTE_MS);
    const currentFrom = minute - CURRENT_MS / MINUTE_MS + 1;
    for (const [provider, ring] of this.#rings) {
      const current = emptyWindow();
      const baseline = emptyWindow();
      for (const slot of ring) {
        if (slot.minute > minute || slot.minute <= minute - SLOTS) continue;
        add(slot.minute >= currentFrom ? current : baseline, slot);
      }
      this.#judge(provider, current, baseline, nowMs);
    }
    if (breakers !== undefined) this.#checkBreakers(breakers, nowMs);
  }

  #judge(provider: string, current: Window, baseline: Window, nowMs: number): void {
    const policy = this.#policy;
    if (current.attempts < policy.minAttempts) return; // too little traffic to say either way
    const degraded = this.#degraded.get(provider) ?? new Set<string>();
    const baselineRate = baseline.attempts >= policy.minAttempts ? baseline.failures / baseline.attempts : 0;
    const rate = current.failures / current.attempts;
    const rateLimit = Math.max(policy.minErrorRate, 2 * baselineRate + 0.05);
    this.#transition(provider, degraded, 'error_rate', rate >= rateLimit, nowMs, {
      error_rate: round(rate),
      baseline_error_rate: round(baselineRate),
      threshold: round(rateLimit),
      attempts: current.attempts,
    });

    const ok = current.attempts - current.failures;
    const baselineOk = baseline.attempts - baseline.failures;
    if (ok >= policy.minAttempts && baselineOk >= policy.minAttempts) {
      const p95 = quantileMs(current.latency, 0.95) ?? 0;
      const baseP95 = quantileMs(baseline.latency, 0.95) ?? 0;
      const latencyLimit = Math.max(baseP95 * policy.latencyFactor, baseP95 + policy.minLatencyStepMs);
      this.#transition(provider, degraded, 'latency', p95 > latencyLimit, nowMs, {
        p95_ms: p95,
        baseline_p95_ms: baseP95,
        threshold_ms: latencyLimit,
      });
    }
    if (degraded.size > 0) this.#degraded.set(provider, degraded);
    else this.#degraded.delete(provider);
  }

  #transition(
    provider: string,
    degraded: Set<string>,
    condition: 'error_rate' | 'latency',
    bad: boolean,
    nowMs: number,
    details: Record<string, unknown>,
  ): void {
    const what = condition === 'error_rate' ? 'error rate' : 'p95 latency';
    if (bad && !degraded.has(condition)) {
      degraded.add(condition);
      this.#raise(
        'provider_degraded',
        `degraded:${provider}:${condition}`,
        `Provider ${provider} is degraded: its ${what} departs from its trailing baseline (${describe(condition, details)}).`,
        { provider, condition, ...details },
        nowMs,
      );
    } else if (!bad && degraded.has(condition)) {
      degraded.delete(condition);
      this.#raise(
        'provider_recovered',
        `recovered:${provider}:${condition}`,
        `Provider ${provider} recovered: its ${what} is back near its baseline (${describe(condition, details)}).`,
        { provider, condition, ...details },
        nowMs,
      );
    }
  }

  #checkBreakers(source: BreakerSource, nowMs: number): void {
    const next = new Map<string, string>();
    for (const [target, state] of source.breakerStates()) {
      next.set(target, state);
      const before = this.#breakers.get(target) ?? 'closed';
      if (state === 'open' && before !== 'open' && before !== 'half_open')
        this.#raise(
          'breaker_opened',
          `breaker_open:${target}`,
          `The circuit breaker of ${target} opened: its traffic moves to the other targets.`,
          { target, from: before },
          nowMs,
        );
      else if (state === 'closed' && (before === 'open' || before === 'half_open'))
        this.#raise(
          'breaker_recovered',
          `breaker_closed:${target}`,
          `The circuit breaker of ${target} closed again: the target takes traffic.`,
          { target, from: before },
          nowMs,
        );
    }
    this.#breakers = next;
  }

  #raise(
    kind: AlertKind,
    condition: string,
    message: string,
    details: Record<string, unknown>,
    nowMs: number,
  ): void {
    const alert: Alert = {
      kind,
      condition,
      // Once per condition and UTC hour: instances seeing the same episode send it once.
      period: `h${new Date(nowMs).toISOString().slice(0, 13)}`,
      message,
      tenant: null,
      details,
      at: nowMs,
    };
    this.#sink.raise(alert);
  }

  #slot(provider: string, minute: number): Slot {
    let ring = this.#rings.get(provider);
    if (ring === undefined) {
      ring = Array.from({ length: SLOTS }, () => ({
        minute: -1,
        attempts: 0,
        failures: 0,
        latency: new Array<number>(LATENCY_BUCKETS).fill(0),
      }));
      this.#rings.set(provider, ring);
    }
    const slot = ring[minute % SLOTS] as Slot;
    if (slot.minute !== minute) {
      slot.minute = minute;
      slot.attempts = 0;
      slot.failures = 0;
      slot.latency.fill(0);
    }
    return slot;
  }
}

function emptyWindow(): Window {
  return { attempts: 0, failures: 0, latency: new Array<number>(LATENCY_BUCKETS).fill(0) };
}

function add(into: Window, slot: Slot): void {
  into.attempts += slot.attempts;
  into.failures += slot.failures;
  for (let i = 0; i < LATENCY_BUCKETS; i++) (into.latency[i] as number) += slot.latency[i] as number;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function describe(condition: string, details: Record<string, unknown>): string {
  if (condition === 'error_rate')
    return `${pct(details.error_rate)} of the last ${details.attempts} attempts failed; baseline ${pct(details.baseline_error_rate)}`;
  return `p95 ${details.p95_ms} ms; baseline ${details.baseline_p95_ms} ms`;
}

function pct(value: unknown): string {
  return `${Math.round(Number(value) * 1000) / 10}%`;
}
