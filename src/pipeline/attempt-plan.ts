/**
 * The walk over a route's targets for one request (docs/resilience.md "What happens to one request"):
 * which target and key go next, which are left out for the rest of the request, when a round ends, how
 * long to wait before the next one, and what to answer when nothing is left. It sends nothing itself:
 * the attempt loop (attempt.ts) asks it for the next pick and tells it how each attempt ended.
 *
 * `pick(now, busy)` skips the target of an attempt still in flight (a hedge's second attempt goes
 * elsewhere). A round tries each target at most once, in the route's order. A target's slot is UNTRIED (may go this
 * round), TRIED (went, or was held by keys or a breaker; may go next round) or EXCLUDED (never again in
 * this request: it timed out, refused the request's shape, or its keys all refused it).
 */
import type { CompiledModel, CompiledTarget } from '../config/compile.ts';
import { upstreamAuthFailed, upstreamRateLimited, upstreamUnavailable } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import type { UpstreamFailure } from '../providers/types.ts';
import { backoffDelayMs } from '../routing/backoff.ts';
import type { ProviderRuntime, RoutingRuntime } from '../routing/runtime.ts';
import type { MaybePromise } from '../state/types.ts';
import type { AdaptiveConcurrency } from '../routing/adaptive-concurrency.ts';
import type { RetryPolicy } from '../config/compile.ts';
import { exhaustedError } from './failure-errors.ts';
import type { RoutePlan } from './route.ts';

/** Why an attempt was made: the route's first choice, another target, the same target again. */
export type AttemptReason = 'first' | 'fallback' | 'retry' | 'next_key' | 'continuation' | 'hedge';

const UNTRIED = 0;
const TRIED = 1;
const EXCLUDED = 2;

export interface AttemptPick {
  /** Index into `targets`. */
  index: number;
  target: CompiledTarget;
  keyIndex: number;
  reason: AttemptReason;
  /** Backoff or Retry-After wait taken before this attempt, ms. */
  waitMs: number;
  /** A slot of the key's adaptive concurrency limit was taken: the attempt gives it back. */
  leased: boolean;
}

export class AttemptPlan {
  readonly targets: readonly CompiledTarget[];
  readonly #route: RoutePlan;
  readonly #runtime: RoutingRuntime;
  readonly #retry: RetryPolicy;
  readonly #model: CompiledModel;
  // Plain arrays: a typed array costs more to create than these few entries ever cost to use.
  readonly #slots: number[];
  readonly #everTried: boolean[];
  /** Same-target retries spent per target (the quick retry of a transient 5xx or reset). */
  readonly #quickRetries: number[];
  readonly #lastRound: number;
  #previous = -1;
  #previousRound = 0;
  #round = 0;
  /** A target failed this round in a way a plain backoff may cure (not one held by keys or a breaker). */
  #failedThisRound = false;
  #waitMs = 0;
  /** When the first target held back by cooling keys or a full half-open breaker can be tried. */
  #heldUntil = Number.POSITIVE_INFINITY;
  #heldByKeys = false;
  /** A provider all of whose keys it refused (401/403): an operator's problem, not a rate limit. */
  #refusedProvider: string | undefined;
  /** A limiter whose keys were all at their adaptive concurrency limit this round (the loop may wait). */
  concurrencyHeld: AdaptiveConcurrency | undefined = undefined;
  /** Keys a provider refused for this request, by provider: not tried again by it. Rare: made on demand. */
  #refusedKeys: Map<ProviderRuntime, Set<number>> | undefined;
  /** The last failure and its target: what the client hears when nothing is left. */
  lastFailure: { failure: UpstreamFailure; target: CompiledTarget } | undefined;
  /** The first target that could not express the request (an adapter's 4xx), answered if nothing else ran. */
  untranslatable: GatewayError | undefined;

  constructor(route: RoutePlan, model: CompiledModel, runtime: RoutingRuntime, retry: RetryPolicy) {
    this.#route = route;
    this.targets = route.targets;
    this.#runtime = runtime;
    this.#retry = retry;
    this.#model = model;
    const count = route.targets.length;
    this.#slots = new Array<number>(count).fill(UNTRIED);
    this.#everTried = new Array<boolean>(count).fill(false);
    this.#quickRetries = new Array<number>(count).fill(0);
    this.#lastRound = model.virtual ? Number.POSITIVE_INFINITY : retry.directModelRetries;
  }

  /**
   * The next target and key of this round, or undefined when the round is over. Skips targets whose
   * breaker is blocked, whose keys all cool down (for this target's model) or refused this request, and
   * half-open ones without a trial slot (the one awaited state call).
   */
  pick(nowMs: number, busy = -1): MaybePromise<AttemptPick | undefined> {
    const runtime = this.#runtime;
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) {
      // `busy`: a target with an attempt in flight (the first of a hedged pair) is not picked again.
      if (slots[i] !== UNTRIED || i === busy) continue;
      const target = this.targets[i] as CompiledTarget;
      const state = target.runtime;
      const gate = runtime.gate(state, nowMs);
      if (gate === 'blocked') {
        // Opened while this request ran: skip it this round; it may allow a trial by the next one.
        slots[i] = TRIED;
        if (state.breaker.state === 'open') this.#heldUntil = Math.min(this.#heldUntil, state.breaker.until);
        continue;
      }
      const keys = state.provider.keys;
      const skip = this.#refusedKeys?.get(state.provider);
      const key = keys.pick(nowMs, skip, state.model);
      if (key === -1 && skip !== undefined && keys.availableAt(nowMs, state.model) <= nowMs) {
        // Every key still in service refused this request: no other round will change that.
        slots[i] = EXCLUDED;
        this.#refusedProvider = state.provider.name;
        continue;
      }
      if (key === -1) {
        slots[i] = TRIED;
        this.#heldUntil = Math.min(this.#heldUntil, keys.availableAt(nowMs, state.model));
        if (keys.allRefused(nowMs)) this.#refusedProvider = state.provider.name;
        else this.#heldByKeys = true;
        continue;
      }
      const limiter = state.provider.concurrency;
      if (limiter !== undefined && !limiter.tryAcquire(key)) {
        // At its adaptive concurrency limit: another target now, or this one once a slot frees.
        slots[i] = TRIED;
        this.concurrencyHeld = limiter;
        continue;
      }
      if (gate === 'trial') {
        const granted = runtime.acquireTrial(state, nowMs);
        // Only a shared (Redis) breaker makes this wait; every other pick stays synchronous.
        if (granted instanceof Promise)
          return granted.then((ok) => this.#afterTrial(ok, i, target, key, nowMs, busy));
        if (!granted) {
          this.#trialDenied(i, key, limiter);
          continue;
        }
      }
      return this.#take(i, target, key, limiter !== undefined);
    }
    return undefined;
  }

  #afterTrial(
    granted: boolean,
    index: number,
    target: CompiledTarget,
    key: number,
    nowMs: number,
    busy: number,
  ): MaybePromise<AttemptPick | undefined> {
    const limiter = target.runtime.provider.concurrency;
    if (granted) return this.#take(index, target, key, limiter !== undefined);
    this.#trialDenied(index, key, limiter);
    return this.pick(nowMs, busy);
  }

  #trialDenied(index: number, key: number, limiter: AdaptiveConcurrency | undefined): void {
    limiter?.release(key, 'other', performance.now());
    this.#slots[index] = TRIED;
  }

  #take(index: number, target: CompiledTarget, keyIndex: number, leased: boolean): AttemptPick {
    const reason: AttemptReason =
      this.#previous === -1
        ? 'first'
        : this.#previous === index && this.#previousRound === this.#round
          ? 'next_key'
          : this.#everTried[index] || this.#previous === -2 - index
            ? 'retry'
            : 'fallback';
    this.#everTried[index] = true;
    this.#previous = index;
    this.#previousRound = this.#round;
    const waitMs = this.#waitMs;
    this.#waitMs = 0;
    return { index, target, keyIndex, reason, waitMs, leased };
  }

  /**
   * The wait before the next round, or undefined when no round is left (the last one was spent, nothing
   * may go again, or the wait does not fit `retry.max_wait_ms` and the request's deadline).
   */
  nextRoundDelay(random: () => number, deadlineAt: number): number | undefined {
    if (this.#round >= this.#lastRound || !this.#slots.includes(TRIED)) return undefined;
    const backoffMs = backoffDelayMs(this.#round + 1, this.#retry.backoff, random);
    const delay =
      this.#failedThisRound || this.#heldUntil === Number.POSITIVE_INFINITY
        ? backoffMs
        : Math.max(backoffMs, this.#heldUntil - this.#runtime.now());
    if (delay > this.#retry.maxWaitMs || performance.now() + delay >= deadlineAt) return undefined;
    return delay;
  }

  /**
   * The same round again after `waitedMs` spent waiting for a concurrency slot: the targets held by
   * their limit may go again; no backoff round is spent.
   */
  retryRound(waitedMs: number): void {
    this.#waitMs += waitedMs;
    this.concurrencyHeld = undefined;
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) if (slots[i] === TRIED) slots[i] = UNTRIED;
  }

  /** Starts the next round after `waitedMs`: every target that went or was held may go again. */
  startRound(waitedMs: number): void {
    this.#round++;
    this.#waitMs += waitedMs;
    this.#heldUntil = Number.POSITIVE_INFINITY;
    this.#heldByKeys = false;
    this.#failedThisRound = false;
    this.concurrencyHeld = undefined;
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) if (slots[i] === TRIED) slots[i] = UNTRIED;
  }

  /** The target may go again next round (a 5xx, overload, reset: backoff may cure it). */
  failedForNow(index: number): void {
    this.#slots[index] = TRIED;
    this.#failedThisRound = true;
  }

  /**
   * The same target goes once more, at once (after `waitedMs`), before any other: the quick retry of a
   * transient 5xx or reset. Logged as a retry, not a key rotation.
   */
  retrySoon(index: number, waitedMs: number): void {
    this.#slots[index] = UNTRIED;
    this.#previous = -2 - index;
    this.#waitMs += waitedMs;
  }

  /** Never this target again in this request. */
  exclude(index: number): void {
    this.#slots[index] = EXCLUDED;
  }

  /** Whether target `index` may still get its one quick same-target retry (and spends it). */
  takeQuickRetry(index: number, allowed: number): boolean {
    const spent = this.#quickRetries[index] as number;
    if (spent >= allowed) return false;
    this.#quickRetries[index] = spent + 1;
    return true;
  }

  /** Whether any target is still eligible now or in a later round. */
  hasEligible(): boolean {
    return this.#slots.some((slot) => slot !== EXCLUDED);
  }

  /** Whether target `index` may still go in this request. */
  eligible(index: number): boolean {
    return this.#slots[index] !== EXCLUDED;
  }

  /** A key the provider refused for this request: not offered to it again. */
  keyRefused(provider: ProviderRuntime, keyIndex: number): void {
    this.#refusedKeys ??= new Map();
    const refused = this.#refusedKeys.get(provider);
    if (refused === undefined) this.#refusedKeys.set(provider, new Set([keyIndex]));
    else refused.add(keyIndex);
  }

  /** What the client hears when the walk ended without an answer. */
  exhausted(attempts: number): GatewayError {
    const runtime = this.#runtime;
    const heldUntil = this.#heldUntil;
    const retryAfterMs =
      heldUntil === Number.POSITIVE_INFINITY ? undefined : Math.max(0, heldUntil - runtime.now());
    const last = this.lastFailure;
    if (last !== undefined) return exhaustedError(last.failure, last.target, attempts, retryAfterMs);
    if (this.untranslatable !== undefined) return this.untranslatable;
    if (this.#refusedProvider !== undefined && !this.#heldByKeys)
      return upstreamAuthFailed(this.#refusedProvider);
    const name = this.#model.name;
    if (this.concurrencyHeld !== undefined && !this.#heldByKeys)
      return upstreamRateLimited(
        `Every key of the providers serving '${name}' is at its adaptive concurrency limit; retry shortly.`,
        this.concurrencyHeld.policy.maxQueueMs,
      );
    if (this.#heldByKeys)
      return upstreamRateLimited(
        `Every key of the providers serving '${name}' is cooling down after rate limits.`,
        retryAfterMs,
      );
    const route = this.#route;
    if (route.blocked > 0 || this.targets.length === 0)
      return upstreamUnavailable(
        `Every provider serving '${name}' is failing right now (circuit breakers open).`,
        route.blockedUntil === Number.POSITIVE_INFINITY
          ? retryAfterMs
          : Math.max(0, route.blockedUntil - runtime.now()),
      );
    return upstreamUnavailable('No upstream target is available for this model.');
  }
}
