/**
 * The health registry's scores (docs/design.md §2 "Routing"): passive outcomes of real requests and the
 * results of active probes, combined into one number per target that scales its share of traffic.
 *
 *   score = passive × probe × recovery, never below MIN_SCORE
 *
 * - passive: the target's recent success rate (DecayingRate), mapped so that rates at or above
 *   `healthyRate` count as fully healthy (a few errors in a hundred are normal for LLM APIs and should
 *   not move traffic) and `deadRate` or below gets MIN_SCORE; 1 until `minimumRequests` outcomes
 *   (decayed) are in, so two unlucky requests on a quiet target do not move its traffic;
 * - probe: 1 while the provider's last probe passed, halved for each probe failure in a row;
 * - recovery: after a breaker closes, traffic ramps up linearly over `recoveryMs` starting at
 *   RECOVERY_START, so a provider that just came back is not flooded at once (gradual recovery).
 *
 * A score never reaches 0: a degraded target keeps a trickle of traffic and so the evidence that it
 * recovered. A dead one is the breaker's business, not the score's.
 */
import { DecayingRate, Ewma } from './ewma.ts';

export interface HealthPolicy {
  /** Success rates at or above this count as fully healthy. */
  healthyRate: number;
  /** Success rates at or below this get the minimum score. */
  deadRate: number;
  /** How fast old outcomes fade. */
  halfLifeMs: number;
  /** Below this much (decayed) evidence the passive part stays 1: a few early errors are noise. */
  minimumRequests: number;
  /** How long traffic takes to ramp back up after a breaker closes. */
  recoveryMs: number;
}

export const MIN_SCORE = 0.05;
const RECOVERY_START = 0.1;
/** Latency average: the last ~10 samples dominate. */
const LATENCY_ALPHA = 0.2;

/** Per target (provider + model): what real requests showed. Local to this process. */
export class TargetHealth {
  readonly outcomes: DecayingRate;
  /** Time to the first byte of a stream, and to the whole answer otherwise, ms. */
  readonly streamLatency = new Ewma(LATENCY_ALPHA);
  readonly jsonLatency = new Ewma(LATENCY_ALPHA);

  constructor(halfLifeMs: number) {
    this.outcomes = new DecayingRate(halfLifeMs);
  }

  /** Recent latency for this kind of request; the other kind's when this kind has no sample yet. */
  latencyMs(stream: boolean): number | undefined {
    const preferred = stream ? this.streamLatency : this.jsonLatency;
    return preferred.value ?? (stream ? this.jsonLatency : this.streamLatency).value;
  }
}

/** Per provider: what the active probes showed. */
export class ProbeHealth {
  lastProbeAt = 0;
  lastOk = true;
  consecutiveFailures = 0;
  lastLatencyMs: number | undefined = undefined;
  lastError: string | null = null;

  record(ok: boolean, latencyMs: number | undefined, nowMs: number, error: string | null): void {
    this.lastProbeAt = nowMs;
    this.lastOk = ok;
    this.consecutiveFailures = ok ? 0 : this.consecutiveFailures + 1;
    if (latencyMs !== undefined) this.lastLatencyMs = latencyMs;
    this.lastError = error;
  }

  get factor(): number {
    return this.consecutiveFailures === 0 ? 1 : 0.5 ** this.consecutiveFailures;
  }
}

export function passiveScore(rate: number, policy: HealthPolicy): number {
  if (rate >= policy.healthyRate) return 1;
  if (rate <= policy.deadRate) return MIN_SCORE;
  return MIN_SCORE + ((1 - MIN_SCORE) * (rate - policy.deadRate)) / (policy.healthyRate - policy.deadRate);
}

/** The recovery ramp: `closedAt` is when the breaker last closed after being open (0: never opened). */
export function recoveryFactor(closedAt: number, nowMs: number, policy: HealthPolicy): number {
  if (closedAt === 0) return 1;
  const elapsed = nowMs - closedAt;
  if (elapsed >= policy.recoveryMs) return 1;
  return RECOVERY_START + ((1 - RECOVERY_START) * Math.max(0, elapsed)) / policy.recoveryMs;
}

export function healthScore(
  health: TargetHealth,
  probe: ProbeHealth,
  closedAt: number,
  nowMs: number,
  policy: HealthPolicy,
): number {
  const passive =
    health.outcomes.weight(nowMs) < policy.minimumRequests
      ? 1
      : passiveScore(health.outcomes.rate(nowMs), policy);
  const score = passive * probe.factor * recoveryFactor(closedAt, nowMs, policy);
  return Math.max(score, MIN_SCORE);
}
