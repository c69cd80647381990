/**
 * The one interface for state that several gateway instances must agree on (docs/design.md §2 "State"):
 * counters, token buckets, cooldowns, circuit breakers; budgets and cache entries come later. Two
 * implementations run the same contract suite (test/state/state-contract.ts): `memory.ts` for one
 * process and `redis.ts` (atomic Lua) for many.
 *
 * Every operation takes the caller's clock reading (`nowMs`, epoch milliseconds) so the memory
 * implementation is deterministic under an injected clock and the Redis one applies the same
 * arithmetic as the process that asked. Results are `MaybePromise`: the memory store answers
 * synchronously and callers stay synchronous with it (docs/style.md §2.9); the Redis store answers with a
 * promise, one round trip per call.
 */
import type { AdmissionResult, AdmissionSpec, BudgetView, Settlement } from '../limits/types.ts';
import type { BreakerOutcome, BreakerPolicy, BreakerView } from '../routing/breaker.ts';

export type MaybePromise<T> = T | Promise<T>;

export interface TokenBucketSpec {
  /** Most tokens the bucket holds (the burst). */
  capacity: number;
  /** Tokens added per second, continuously. */
  refillPerSecond: number;
}

export interface TokenBucketResult {
  allowed: boolean;
  /** Tokens left after this take (or before it, when refused). */
  remaining: number;
  /** When refused: how long until `cost` tokens are there. 0 when allowed. */
  retryAfterMs: number;
}

export interface TrialResult {
  /** True when the caller may send a request through a half-open breaker (or the breaker is closed). */
  granted: boolean;
  view: BreakerView;
}

export type BreakerAction = 'isolate' | 'close';

export interface StateStore {
  readonly kind: 'memory' | 'redis';

  /**
   * A cheap round trip, for FallbackState's probe of a shared store it stopped using (so no request has
   * to be the probe and wait on a store that may still be down). Absent: a request is the probe.
   */
  ping?(): Promise<void>;

  /** Adds `by` to a counter that expires `ttlMs` after its first write; returns the new value. */
  increment(key: string, by: number, ttlMs: number, nowMs: number): MaybePromise<number>;

  /** Takes `cost` tokens from a bucket if it holds them (all or nothing). */
  takeTokens(
    key: string,
    spec: TokenBucketSpec,
    cost: number,
    nowMs: number,
  ): MaybePromise<TokenBucketResult>;

  /** Marks `member` of `scope` unavailable until `untilMs`; a later deadline already set is kept. */
  setCooldown(scope: string, member: string, untilMs: number): MaybePromise<void>;
  clearCooldown(scope: string, member: string): MaybePromise<void>;
  /** Every member of `scope` still cooling down at `nowMs`, with its deadline. */
  cooldowns(scope: string, nowMs: number): MaybePromise<ReadonlyMap<string, number>>;

  /** Feeds one request outcome to breaker `id`; returns its state afterwards. */
  recordOutcome(
    id: string,
    outcome: BreakerOutcome,
    nowMs: number,
    policy: BreakerPolicy,
  ): MaybePromise<BreakerView>;
  /** Asks to send a request through breaker `id`: always granted when closed, limited when half-open. */
  acquireTrial(id: string, nowMs: number, policy: BreakerPolicy): MaybePromise<TrialResult>;
  /** Admin: hold a breaker open (`isolate`) or close it with a clean slate (`close`). */
  forceBreaker(id: string, action: BreakerAction, nowMs: number): MaybePromise<BreakerView>;
  /** Every breaker that has ever changed state, by id (a breaker absent here is closed and untouched). */
  breakers(): MaybePromise<ReadonlyMap<string, BreakerView>>;

  /**
   * The limits and budget decision for one request under `scope` (a tenant, or a key with a tier of its
   * own), atomically: every check passes and every counter moves, or nothing moves.
   */
  admit(scope: string, spec: AdmissionSpec, nowMs: number): MaybePromise<AdmissionResult>;
  /** After the answer: release the lease, correct the tokens, settle the reservation with the real cost. */
  settle(scope: string, settlement: Settlement, nowMs: number): MaybePromise<void>;
  /** Spent and reserved (live reservations only) of a scope's budget period. */
  budgetView(scope: string, periodKey: string, nowMs: number): MaybePromise<BudgetView>;
  /**
   * Sets the period's spent figure when the state has none yet (a memory state after a restart is seeded
   * from the store's ledger); never lowers or overwrites one that exists.
   */
  seedSpend(scope: string, periodKey: string, periodEndMs: number, spentNanoUsd: number): MaybePromise<void>;
  /** True for the first caller of `key` within `ttlMs`, on every instance (a webhook signature's single use). */
  claimOnce(key: string, ttlMs: number, nowMs: number): MaybePromise<boolean>;

  close(): Promise<void>;
}
