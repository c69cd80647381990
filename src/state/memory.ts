/**
 * The state store for one process (`state: memory`, the default). Every answer is synchronous, so
 * routing on the memory store never waits on a promise. Entries that expire (counters, cooldowns) are
 * dropped when read, and a sweep every SWEEP_EVERY writes keeps keys nobody reads again from piling up.
 * Limits and budgets (admit … claimOnce) live in memory-limits.ts.
 */
import {
  type BreakerOutcome,
  type BreakerPolicy,
  type BreakerRecord,
  type BreakerView,
  acquireBreakerTrial,
  breakerView,
  forceBreakerRecord,
  newBreakerRecord,
  recordBreakerOutcome,
} from '../routing/breaker.ts';
import type { AdmissionResult, AdmissionSpec, BudgetView, Settlement } from '../limits/types.ts';
import { MemoryLimits } from './memory-limits.ts';
import type { BreakerAction, StateStore, TokenBucketResult, TokenBucketSpec, TrialResult } from './types.ts';

const SWEEP_EVERY = 10_000;

interface Counter {
  value: number;
  expiresAt: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** When the bucket is full again; a full bucket is the same as no bucket, so the sweep drops it. */
  fullAt: number;
}

export class MemoryState implements StateStore {
  readonly kind = 'memory' as const;
  #counters = new Map<string, Counter>();
  #buckets = new Map<string, Bucket>();
  #cooldowns = new Map<string, Map<string, number>>();
  #breakers = new Map<string, { record: BreakerRecord; policy: BreakerPolicy }>();
  #limits = new MemoryLimits();
  #writes = 0;

  increment(key: string, by: number, ttlMs: number, nowMs: number): number {
    this.#wrote(nowMs);
    const counter = this.#counters.get(key);
    if (counter === undefined || counter.expiresAt <= nowMs) {
      this.#counters.set(key, { value: by, expiresAt: nowMs + ttlMs });
      return by;
    }
    counter.value += by;
    return counter.value;
  }

  takeTokens(key: string, spec: TokenBucketSpec, cost: number, nowMs: number): TokenBucketResult {
    this.#wrote(nowMs);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: spec.capacity, at: nowMs, fullAt: nowMs };
      this.#buckets.set(key, bucket);
    }
    const elapsedMs = Math.max(0, nowMs - bucket.at);
    bucket.tokens = Math.min(spec.capacity, bucket.tokens + (elapsedMs * spec.refillPerSecond) / 1000);
    bucket.at = nowMs;
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      bucket.fullAt =
        spec.refillPerSecond > 0
          ? nowMs + ((spec.capacity - bucket.tokens) * 1000) / spec.refillPerSecond
          : Number.POSITIVE_INFINITY;
      return { allowed: true, remaining: bucket.tokens, retryAfterMs: 0 };
    }
    const missing = cost - bucket.tokens;
    const retryAfterMs =
      spec.refillPerSecond > 0
        ? Math.ceil((missing * 1000) / spec.refillPerSecond)
        : Number.POSITIVE_INFINITY;
    return { allowed: false, remaining: bucket.tokens, retryAfterMs };
  }

  setCooldown(scope: string, member: string, untilMs: number): void {
    let members = this.#cooldowns.get(scope);
    if (members === undefined) {
      members = new Map();
      this.#cooldowns.set(scope, members);
    }
    const current = members.get(member) ?? 0;
    if (untilMs > current) members.set(member, untilMs);
  }

  clearCooldown(scope: string, member: string): void {
    this.#cooldowns.get(scope)?.delete(member);
  }

  cooldowns(scope: string, nowMs: number): ReadonlyMap<string, number> {
    const members = this.#cooldowns.get(scope);
    const active = new Map<string, number>();
    if (members === undefined) return active;
    for (const [member, until] of members) {
      if (until > nowMs) active.set(member, until);
      else members.delete(member);
    }
    return active;
  }

  recordOutcome(id: string, outcome: BreakerOutcome, nowMs: number, policy: BreakerPolicy): BreakerView {
    const entry = this.#breaker(id, policy);
    recordBreakerOutcome(entry.record, outcome, nowMs, policy);
    return breakerView(entry.record, nowMs, policy);
  }

  acquireTrial(id: string, nowMs: number, policy: BreakerPolicy): TrialResult {
    const entry = this.#breaker(id, policy);
    const granted = acquireBreakerTrial(entry.record, nowMs, policy);
    return { granted, view: breakerView(entry.record, nowMs, policy) };
  }

  forceBreaker(id: string, action: BreakerAction, nowMs: number): BreakerView {
    const entry = this.#breaker(id, undefined);
    forceBreakerRecord(entry.record, action, nowMs);
    return breakerView(entry.record, nowMs, entry.policy);
  }

  breakers(): ReadonlyMap<string, BreakerView> {
    const views = new Map<string, BreakerView>();
    for (const [id, { record, policy }] of this.#breakers) {
      if (record.g > 0) views.set(id, breakerView(record, record.since, policy));
    }
    return views;
  }

  admit(scope: string, spec: AdmissionSpec, nowMs: number): AdmissionResult {
    this.#wrote(nowMs);
    return this.#limits.admit(scope, spec, nowMs);
  }

  settle(scope: string, settlement: Settlement, nowMs: number): void {
    this.#limits.settle(scope, settlement, nowMs);
  }

  budgetView(scope: string, periodKey: string, nowMs: number): BudgetView {
    return this.#limits.budgetView(scope, periodKey, nowMs);
  }

  seedSpend(scope: string, periodKey: string, periodEndMs: number, spentNanoUsd: number): void {
    this.#limits.seedSpend(scope, periodKey, periodEndMs, spentNanoUsd);
  }

  claimOnce(key: string, ttlMs: number, nowMs: number): boolean {
    this.#wrote(nowMs);
    return this.#limits.claimOnce(key, ttlMs, nowMs);
  }

  async close(): Promise<void> {
    this.#limits.clear();
    this.#counters.clear();
    this.#buckets.clear();
    this.#cooldowns.clear();
    this.#breakers.clear();
  }

  #breaker(id: string, policy: BreakerPolicy | undefined): { record: BreakerRecord; policy: BreakerPolicy } {
    let entry = this.#breakers.get(id);
    if (entry === undefined) {
      entry = { record: newBreakerRecord(), policy: policy ?? FALLBACK_POLICY };
      this.#breakers.set(id, entry);
    } else if (policy !== undefined) {
      entry.policy = policy;
    }
    return entry;
  }

  #wrote(nowMs: number): void {
    if (++this.#writes % SWEEP_EVERY !== 0) return;
    for (const [key, counter] of this.#counters) if (counter.expiresAt <= nowMs) this.#counters.delete(key);
    for (const [key, bucket] of this.#buckets) if (bucket.fullAt <= nowMs) this.#buckets.delete(key);
    this.#limits.sweep(nowMs);
  }
}

/** Only used to describe a breaker forced by an operator before any request reached it. */
const FALLBACK_POLICY: BreakerPolicy = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  minimumRequests: 20,
  windowMs: 10_000,
  openMs: 10_000,
  maxOpenMs: 120_000,
  halfOpenTrials: 3,
  trialTimeoutMs: 10_000,
};
