/**
 * A StateStore for limits and budgets that never waits long on a shared store (Redis) that stops
 * answering. Every admit, settle, budgetView, seedSpend and claimOnce goes to the shared store with a
 * short timeout (default 500 ms); when it fails or times out, the answer comes from here instead:
 *
 * - mode `local` (fail open): a MemoryState of this instance decides, so limits hold per instance;
 * - mode `closed` (fail closed): admit refuses with reason `unavailable` (the gateway answers 503),
 *   claimOnce says false and budgetView rejects.
 *
 * After a failure the shared store is left alone for `probeEveryMs`; then one call probes it, and the
 * first answer ends the degradation. Settlements the shared store missed (requests admitted by it whose
 * settle failed, and the cost of requests admitted locally) are queued, bounded, and replayed once it
 * answers again, so an outage does not erase spend from the shared budget.
 *
 * Known gaps, by design: an admission that timed out here may still land in Redis later; its lease and
 * reservation then expire after `leaseMs` (the replayed settlement releases them earlier). In `local`
 * mode a budget counts only what this instance saw, unless seedSpend seeded it (seedSpend always seeds
 * both stores).
 *
 * The other StateStore methods (counters, buckets, cooldowns, breakers) go to the shared store
 * unchanged: the routing runtime has its own failure policy for those.
 */
import type { AdmissionResult, AdmissionSpec, BudgetView, Settlement } from '../limits/types.ts';
import type { BreakerOutcome, BreakerPolicy, BreakerView } from '../routing/breaker.ts';
import { MemoryState } from './memory.ts';
import type { BreakerAction, StateStore, TokenBucketResult, TokenBucketSpec, TrialResult } from './types.ts';

export type DegradedMode = 'local' | 'closed';

export type FallbackEvent =
  | { kind: 'degraded'; operation: string; error: unknown }
  | { kind: 'recovered'; degradedCalls: number }
  | { kind: 'settlement_dropped'; scope: string; requestId: string };

export interface FallbackStateOptions {
  mode: DegradedMode;
  /** A shared-store call slower than this counts as a failure; default 500 ms. */
  timeoutMs?: number;
  /** After a failure, answer locally this long before probing the shared store again; default 1000 ms. */
  probeEveryMs?: number;
  /** Most settlements kept for replay; older ones are dropped (and reported) past it. Default 10 000. */
  maxPendingSettlements?: number;
  /** The local store; a new MemoryState by default. */
  local?: MemoryState;
  /** Degradation, recovery and dropped settlements, for the log and metrics (the lead wires them). */
  onEvent?: (event: FallbackEvent) => void;
}

/** Thrown by budgetView in mode `closed` while the shared store is away. */
export class StateUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the shared state store is not answering', { cause });
    this.name = 'StateUnavailableError';
  }
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`the shared state store did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

interface PendingSettlement {
  scope: string;
  settlement: Settlement;
  nowMs: number;
}

/** Requests admitted locally, remembered until settled; bounded so unsettled ones cannot pile up. */
const MAX_LOCAL_ADMISSIONS = 100_000;

export class FallbackState implements StateStore {
  readonly kind: StateStore['kind'];
  readonly mode: DegradedMode;
  readonly shared: StateStore;
  readonly local: MemoryState;
  readonly #timeoutMs: number;
  readonly #probeEveryMs: number;
  readonly #maxPending: number;
  readonly #onEvent: (event: FallbackEvent) => void;
  #degraded = false;
  #nextProbeMs = 0;
  /** The latest clock reading a caller passed in. */
  #lastNowMs = 0;
  #degradedCalls = 0;
  #failures = 0;
  #dropped = 0;
  #localAdmissions = new Set<string>();
  #pending: PendingSettlement[] = [];
  #replaying = false;

  constructor(shared: StateStore, options: FallbackStateOptions) {
    this.shared = shared;
    this.kind = shared.kind;
    this.mode = options.mode;
    this.local = options.local ?? new MemoryState();
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#probeEveryMs = options.probeEveryMs ?? 1_000;
    this.#maxPending = options.maxPendingSettlements ?? 10_000;
    this.#onEvent = options.onEvent ?? (() => {});
  }

  /** True while answers come from the fallback. */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** Calls answered by the fallback (local store or refusal) since start. */
  get degradedCalls(): number {
    return this.#degradedCalls;
  }

  /** Shared-store calls that failed or timed out since start. */
  get failures(): number {
    return this.#failures;
  }

  /** Settlements waiting for the shared store. */
  get pendingSettlements(): number {
    return this.#pending.length;
  }

  /** Settlements dropped because the replay queue was full. */
  get droppedSettlements(): number {
    return this.#dropped;
  }

  async admit(scope: string, spec: AdmissionSpec, nowMs: number): Promise<AdmissionResult> {
    if (this.#shouldTryShared(nowMs)) {
      try {
        return await this.#shared('admit', () => this.shared.admit(scope, spec, nowMs));
      } catch {
        // Degraded by #shared: answer from the fallback below.
      }
    }
    this.#degradedCalls += 1;
    if (this.mode === 'closed') {
      return {
        allowed: false,
        refusal: 'unavailable',
        retryAfterMs: this.#probeEveryMs,
        requests: undefined,
        tokens: undefined,
        budget: undefined,
      };
    }
    const result = this.local.admit(scope, spec, nowMs);
    if (result.allowed) {
      if (this.#localAdmissions.size >= MAX_LOCAL_ADMISSIONS) {
        const oldest = this.#localAdmissions.values().next().value as string;
        this.#localAdmissions.delete(oldest);
      }
      this.#localAdmissions.add(spec.requestId);
    }
    return result;
  }

  async settle(scope: string, settlement: Settlement, nowMs: number): Promise<void> {
    if (this.#localAdmissions.delete(settlement.requestId)) {
      this.local.settle(scope, settlement, nowMs);
      // The shared budget still owes this cost; releasing the lease also frees one left by an admission
      // that timed out here but landed in Redis.
      if (settlement.budget === undefined && !settlement.releaseConcurrent) return;
      settlement = { ...settlement, tokens: undefined };
    }
    if (this.#shouldTryShared(nowMs)) {
      try {
        await this.#shared('settle', () => this.shared.settle(scope, settlement, nowMs));
        return;
      } catch {
        // Degraded by #shared: queue it below.
      }
    }
    this.#degradedCalls += 1;
    this.#queue({ scope, settlement, nowMs });
  }

  async budgetView(scope: string, periodKey: string, nowMs: number): Promise<BudgetView> {
    let failure: unknown = new StateUnavailableError(undefined);
    if (this.#shouldTryShared(nowMs)) {
      try {
        return await this.#shared('budgetView', () => this.shared.budgetView(scope, periodKey, nowMs));
      } catch (error) {
        failure = error;
      }
    }
    this.#degradedCalls += 1;
    if (this.mode === 'closed') throw new StateUnavailableError(failure);
    return this.local.budgetView(scope, periodKey, nowMs);
  }

  async seedSpend(
    scope: string,
    periodKey: string,
    periodEndMs: number,
    spentNanoUsd: number,
  ): Promise<void> {
    this.local.seedSpend(scope, periodKey, periodEndMs, spentNanoUsd);
    try {
      await this.#shared('seedSpend', () =>
        this.shared.seedSpend(scope, periodKey, periodEndMs, spentNanoUsd),
      );
    } catch {
      // Degraded by #shared; the shared store is seeded by the next instance that starts with it up.
      this.#degradedCalls += 1;
    }
  }

  async claimOnce(key: string, ttlMs: number, nowMs: number): Promise<boolean> {
    if (this.#shouldTryShared(nowMs)) {
      try {
        return await this.#shared('claimOnce', () => this.shared.claimOnce(key, ttlMs, nowMs));
      } catch {
        // Degraded by #shared: answer from the fallback below.
      }
    }
    this.#degradedCalls += 1;
    return this.mode === 'closed' ? false : this.local.claimOnce(key, ttlMs, nowMs);
  }

  increment(key: string, by: number, ttlMs: number, nowMs: number): ReturnType<StateStore['increment']> {
    return this.shared.increment(key, by, ttlMs, nowMs);
  }

  takeTokens(
    key: string,
    spec: TokenBucketSpec,
    cost: number,
    nowMs: number,
  ): TokenBucketResult | Promise<TokenBucketResult> {
    return this.shared.takeTokens(key, spec, cost, nowMs);
  }

  setCooldown(scope: string, member: string, untilMs: number): void | Promise<void> {
    return this.shared.setCooldown(scope, member, untilMs);
  }

  clearCooldown(scope: string, member: string): void | Promise<void> {
    return this.shared.clearCooldown(scope, member);
  }

  cooldowns(scope: string, nowMs: number): ReturnType<StateStore['cooldowns']> {
    return this.shared.cooldowns(scope, nowMs);
  }

  recordOutcome(
    id: string,
    outcome: BreakerOutcome,
    nowMs: number,
    policy: BreakerPolicy,
  ): BreakerView | Promise<BreakerView> {
    return this.shared.recordOutcome(id, outcome, nowMs, policy);
  }

  acquireTrial(id: string, nowMs: number, policy: BreakerPolicy): TrialResult | Promise<TrialResult> {
    return this.shared.acquireTrial(id, nowMs, policy);
  }

  forceBreaker(id: string, action: BreakerAction, nowMs: number): BreakerView | Promise<BreakerView> {
    return this.shared.forceBreaker(id, action, nowMs);
  }

  breakers(): ReturnType<StateStore['breakers']> {
    return this.shared.breakers();
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.local.close()]);
  }

  /**
   * Healthy, or degraded and due for a probe. A store with `ping` is probed by a ping of its own in the
   * background while this request answers locally: a request that was the probe would wait the whole
   * timeout on a store still down, once a second. Without `ping` the request goes alone as the probe.
   */
  #shouldTryShared(nowMs: number): boolean {
    if (nowMs > this.#lastNowMs) this.#lastNowMs = nowMs;
    if (!this.#degraded) return true;
    if (nowMs < this.#nextProbeMs) return false;
    this.#nextProbeMs = nowMs + this.#probeEveryMs;
    const shared = this.shared;
    if (shared.ping === undefined) return true;
    // Success recovers (and replays) through #shared; a failure sets the next probe.
    this.#shared('probe', () => shared.ping?.()).catch(() => {});
    return false;
  }

  /** One shared-store call under the timeout; a failure degrades, an answer recovers. */
  async #shared<T>(operation: string, call: () => T | Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = Promise.resolve().then(call);
      const timeout = new Promise<never>((_, reject) => {
        // The rejection waits one turn of the event loop (setImmediate runs after the poll phase): when
        // the loop itself was late, a reply already on the socket is read first and wins, so a busy
        // gateway does not mistake its own lag for a Redis outage and fall back to local limits.
        timer = setTimeout(
          () => setImmediate(() => reject(new TimeoutError(this.#timeoutMs))),
          this.#timeoutMs,
        );
        timer.unref();
      });
      // A late rejection after the timeout won must not surface as an unhandled rejection.
      answer.catch(() => {});
      const result = await Promise.race([answer, timeout]);
      this.#answered();
      return result;
    } catch (error) {
      this.#failed(operation, error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #failed(operation: string, error: unknown): void {
    this.#failures += 1;
    if (!this.#degraded) {
      this.#degraded = true;
      this.#onEvent({ kind: 'degraded', operation, error });
    }
    // On the callers' clock readings (no clock of its own, so tests drive it like the stores).
    this.#nextProbeMs = this.#lastNowMs + this.#probeEveryMs;
  }

  #answered(): void {
    if (this.#degraded) {
      this.#degraded = false;
      this.#onEvent({ kind: 'recovered', degradedCalls: this.#degradedCalls });
    }
    if (this.#pending.length > 0 && !this.#replaying) void this.#replay();
  }

  #queue(pending: PendingSettlement): void {
    if (this.#pending.length >= this.#maxPending) {
      const dropped = this.#pending.shift() as PendingSettlement;
      this.#dropped += 1;
      this.#onEvent({
        kind: 'settlement_dropped',
        scope: dropped.scope,
        requestId: dropped.settlement.requestId,
      });
    }
    this.#pending.push(pending);
  }

  /** Replays queued settlements one by one; stops (keeping the rest) at the first failure. */
  async #replay(): Promise<void> {
    this.#replaying = true;
    try {
      while (this.#pending.length > 0 && !this.#degraded) {
        const next = this.#pending[0] as PendingSettlement;
        try {
          await this.#shared('settle', () => this.shared.settle(next.scope, next.settlement, next.nowMs));
        } catch {
          return;
        }
        this.#pending.shift();
      }
    } finally {
      this.#replaying = false;
    }
  }
}
