/**
 * The routing state of one gateway process: per target a breaker view and health, per provider a key
 * pool and probe results. It outlives config reloads (a reload relinks the new snapshot's targets to
 * the same objects, by id), and it is the only code that talks to the state store for routing.
 *
 * Reads on the hot path are local and synchronous: `gate`, `score` and `KeyPool.pick` never wait.
 * Writes go to the state store: with the memory store they complete synchronously; with Redis they
 * are sent without waiting and their reply updates the local view, and a timer polls what other
 * instances changed (`breaker.sync_interval_ms`). The one awaited state call is `acquireTrial` for a
 * half-open breaker, at most once per target per request.
 */
import type { ChaosControl } from '../chaos/chaos-control.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { MaybePromise, StateStore } from '../state/types.ts';
import {
  type BreakerGate,
  type BreakerOutcome,
  type BreakerPolicy,
  type BreakerView,
  breakerGate,
  CLOSED_VIEW,
} from './breaker.ts';
import { FirstTokenStats } from './first-token-stats.ts';
import { AdaptiveConcurrency, type AdaptiveConcurrencyPolicy } from './adaptive-concurrency.ts';
import { type HealthPolicy, healthScore, ProbeHealth, TargetHealth } from './health.ts';
import {
  AUTH_STRIKE_WINDOW_MS,
  AUTH_STRIKES_TO_DISABLE,
  authStrikeCounter,
  KEY_COOLDOWN_SCOPE,
  KEY_DISABLED_SCOPE,
  KEY_MODEL_COOLDOWN_SCOPE,
  type KeyCooldownReason,
  KeyPool,
} from './key-pool.ts';

export interface ProbePolicy {
  /** 0: no active probes. */
  intervalMs: number;
  jitter: number;
  timeoutMs: number;
}

export interface RoutingPolicies {
  breaker: BreakerPolicy;
  breakerSyncMs: number;
  health: HealthPolicy;
  probe: ProbePolicy;
  rateLimitCooldownMs: number;
  authCooldownMs: number;
}

/**
 * undici runs first-byte timeouts on a shared timer that ticks about every 500 ms and counts ticks, not
 * elapsed time (docs/style.md §1.3), so a deadline fires up to a tick late, later still on a busy event loop.
 */
const TIMER_SLACK_MS = 1_000;
const TIMER_STRETCH = 1.2;

export function routingPolicies(config: Config): RoutingPolicies {
  const { breaker, health, routing } = config;
  // A trial gives its verdict by its first byte (streams report success then), so the longest
  // first-byte deadline of any provider bounds how long a trial slot can legitimately stay taken.
  let firstByteMs = 0;
  for (const provider of Object.values(config.providers)) {
    const limit = Math.min(
      provider.first_byte_timeout_ms,
      provider.timeout_ms ?? config.server.request_timeout_ms,
      config.server.request_timeout_ms,
    );
    firstByteMs = Math.max(firstByteMs, limit);
  }
  return {
    breaker: {
      consecutiveFailures: breaker.consecutive_failures,
      failureRate: breaker.failure_rate,
      minimumRequests: breaker.minimum_requests,
      windowMs: breaker.window_ms,
      openMs: breaker.open_ms,
      maxOpenMs: breaker.max_open_ms,
      halfOpenTrials: breaker.half_open_trials,
      trialTimeoutMs: Math.ceil(firstByteMs * TIMER_STRETCH) + TIMER_SLACK_MS,
    },
    breakerSyncMs: breaker.sync_interval_ms,
    health: {
      healthyRate: health.healthy_rate,
      deadRate: health.dead_rate,
      halfLifeMs: health.half_life_ms,
      minimumRequests: health.minimum_requests,
      recoveryMs: health.recovery_ms,
    },
    probe: {
      intervalMs: health.probe_interval_ms,
      jitter: health.probe_jitter,
      timeoutMs: health.probe_timeout_ms,
    },
    rateLimitCooldownMs: routing.rate_limit_cooldown_ms,
    authCooldownMs: routing.auth_cooldown_ms,
  };
}

const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2, isolated: 3 } as const;
/**
 * How many `provider/model` names a provider without a model list may have routing state for (breaker,
 * health, metric series): those that answered, first come. Past it a name still works, with a
 * per-request view only, so clients inventing names cannot grow memory, the state store or /metrics.
 */
export const MAX_ANSWERED_DIRECT_TARGETS = 256;
/** A failing state store is logged at most this often. */
const STATE_WARN_INTERVAL_MS = 10_000;

export class TargetRuntime {
  readonly id: string;
  readonly provider: ProviderRuntime;
  readonly model: string;
  breaker: BreakerView = CLOSED_VIEW;
  /** When the breaker last closed after being open; starts the recovery ramp (0: never). */
  closedAt = 0;
  readonly health: TargetHealth;
  /** Recent times to first token of its streams: the adaptive first-token deadline, the `p95` hedge. */
  readonly firstToken = new FirstTokenStats();
  /** Recent times to a whole JSON answer: the `p95` hedge of non-streamed requests. */
  readonly answerLatency = new FirstTokenStats();
  /**
   * False for a `provider/model` name not yet known to answer: its outcomes reach neither the state
   * store nor the metrics until it answers once (RoutingRuntime.recordHealth adopts it then).
   */
  registered: boolean;

  constructor(id: string, provider: ProviderRuntime, model: string, halfLifeMs: number, registered = true) {
    this.id = id;
    this.provider = provider;
    this.model = model;
    this.health = new TargetHealth(halfLifeMs);
    this.registered = registered;
  }
}

export class ProviderRuntime {
  readonly name: string;
  keys: KeyPool;
  readonly probe = new ProbeHealth();
  /** When the next active probe is due (epoch ms). */
  nextProbeAt = 0;
  /** Direct names adopted after answering (bounded by MAX_ANSWERED_DIRECT_TARGETS). */
  answeredDirectTargets = 0;
  /** Opt-in AIMD limit per key (adaptive-concurrency.ts); undefined: no limit. */
  concurrency: AdaptiveConcurrency | undefined = undefined;

  /** Applies a config's `adaptive_concurrency` (a reload keeps learned limits when nothing changed). */
  configureConcurrency(policy: AdaptiveConcurrencyPolicy | undefined): void {
    if (policy === undefined) {
      this.concurrency = undefined;
      return;
    }
    const current = this.concurrency;
    const same =
      current !== undefined &&
      current.keys === this.keys.ids.length &&
      current.policy.initial === policy.initial &&
      current.policy.min === policy.min &&
      current.policy.max === policy.max &&
      current.policy.maxQueueMs === policy.maxQueueMs;
    if (!same) this.concurrency = new AdaptiveConcurrency(this.keys.ids.length, policy);
  }

  constructor(name: string, keyIds: readonly string[]) {
    this.name = name;
    this.keys = new KeyPool(name, keyIds);
  }
}

/** Sends one health probe for a provider; src/routing/health-probe.ts, wired in by the runtime's owner. */
export type ProbeRunner = (provider: ProviderRuntime) => Promise<void>;

export interface RoutingRuntimeOptions {
  state: StateStore;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Epoch milliseconds; injected in tests. Shared state compares these across processes. */
  clock?: () => number;
  random?: () => number;
}

export class RoutingRuntime {
  readonly state: StateStore;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly now: () => number;
  readonly random: () => number;
  policies: RoutingPolicies | undefined;
  /** Fault injection in force (src/chaos), so health probes see a provider down as requests do. */
  chaos: ChaosControl | undefined;
  #targets = new Map<string, TargetRuntime>();
  #providers = new Map<string, ProviderRuntime>();
  #probeRunner: ProbeRunner | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #syncing = false;
  #closed = false;
  #stateWarnedAt = Number.NEGATIVE_INFINITY;
  readonly #refreshGauges = () => this.#updateHealthGauges();

  constructor(options: RoutingRuntimeOptions) {
    this.state = options.state;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.now = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.metrics.beforeCollect.add(this.#refreshGauges);
  }

  get #policy(): RoutingPolicies {
    if (this.policies === undefined) throw new Error('routing runtime used before a config was attached');
    return this.policies;
  }

  /** The runtime of provider `name`; its key pool follows the configured keys (state kept by key id). */
  provider(name: string, keyIds: readonly string[]): ProviderRuntime {
    let provider = this.#providers.get(name);
    if (provider === undefined) {
      provider = new ProviderRuntime(name, keyIds);
      this.#providers.set(name, provider);
    } else if (!sameIds(provider.keys.ids, keyIds)) {
      const pool = new KeyPool(name, keyIds);
      pool.inherit(provider.keys);
      provider.keys = pool;
    }
    return provider;
  }

  /**
   * The runtime of target `provider/model`, registered: configured targets and names a provider lists.
   * A reload gets the same object back, by id, so breakers and health outlive it.
   */
  target(provider: ProviderRuntime, model: string, halfLifeMs: number): TargetRuntime {
    const id = `${provider.name}/${model}`;
    let target = this.#targets.get(id);
    if (target === undefined || target.provider !== provider) {
      target = new TargetRuntime(id, provider, model, halfLifeMs);
      this.#targets.set(id, target);
    }
    return target;
  }

  /**
   * The runtime of a `provider/model` name a client sent to a provider without a model list: the
   * registered one if that name has answered before, else a provisional one for this request only,
   * which `recordHealth` adopts when the name answers (config/compile.ts, resolveModel).
   */
  directTarget(provider: ProviderRuntime, model: string, halfLifeMs: number): TargetRuntime {
    const id = `${provider.name}/${model}`;
    const known = this.#targets.get(id);
    if (known !== undefined && known.provider === provider) return known;
    return new TargetRuntime(id, provider, model, halfLifeMs, false);
  }

  /**
   * Makes a compiled config current: its policies apply from now on, providers no longer configured
   * are forgotten, and the background timers (probes; shared-state sync with Redis) are (re)started.
   */
  attach(policies: RoutingPolicies, providerNames: ReadonlySet<string>, probeRunner: ProbeRunner): void {
    this.policies = policies;
    this.#probeRunner = probeRunner;
    for (const name of this.#providers.keys()) if (!providerNames.has(name)) this.#providers.delete(name);
    for (const [id, target] of this.#targets) {
      if (providerNames.has(target.provider.name)) continue;
      this.#targets.delete(id);
      const labels = { provider: target.provider.name, model: target.model };
      this.metrics.breakerState.remove(labels);
      this.metrics.healthScore.remove(labels);
    }
    if (this.#closed) return;
    clearInterval(this.#syncTimer);
    this.#syncTimer = undefined;
    if (this.state.kind !== 'memory') {
      this.#syncTimer = setInterval(() => this.#syncShared(), policies.breakerSyncMs);
      this.#syncTimer.unref();
    }
    this.#scheduleProbes();
  }

  get targets(): ReadonlyMap<string, TargetRuntime> {
    return this.#targets;
  }

  get providers(): ReadonlyMap<string, ProviderRuntime> {
    return this.#providers;
  }

  // ---- breakers ---------------------------------------------------------------------------------

  gate(target: TargetRuntime, nowMs: number): BreakerGate {
    return breakerGate(target.breaker, nowMs);
  }

  /** Asks the shared breaker for a trial slot; on a state store failure, the local view decides. */
  acquireTrial(target: TargetRuntime, nowMs: number): MaybePromise<boolean> {
    if (!target.registered) return true;
    let result: ReturnType<StateStore['acquireTrial']>;
    try {
      result = this.state.acquireTrial(target.id, nowMs, this.#policy.breaker);
    } catch (error) {
      this.#stateFailed(error);
      return true;
    }
    if (!(result instanceof Promise)) {
      this.#applyView(target, result.view);
      return result.granted;
    }
    return result.then(
      (reply) => {
        this.#applyView(target, reply.view);
        return reply.granted;
      },
      (error: unknown) => {
        // Fail open: a trial the shared breaker could not count is still only one request.
        this.#stateFailed(error);
        return true;
      },
    );
  }

  /** Feeds an outcome to the target's breaker; never waits. */
  recordOutcome(target: TargetRuntime, outcome: BreakerOutcome, nowMs: number): void {
    // A name that never answered has no breaker: typos and invented names must not create state.
    if (!target.registered) return;
    let result: ReturnType<StateStore['recordOutcome']>;
    try {
      result = this.state.recordOutcome(target.id, outcome, nowMs, this.#policy.breaker);
    } catch (error) {
      this.#stateFailed(error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (view) => this.#applyView(target, view),
        (error: unknown) => this.#stateFailed(error),
      );
    } else {
      this.#applyView(target, result);
    }
  }

  /** Admin: hold a breaker open, or close it. Works for any configured target id. */
  async forceBreaker(target: TargetRuntime, action: 'isolate' | 'close'): Promise<BreakerView> {
    // An operator naming a target vouches for it: it keeps the state forced on it, past the bound.
    if (!target.registered) this.#register(target);
    const view = await this.state.forceBreaker(target.id, action, this.now());
    this.#applyView(target, view);
    // An operator closing a breaker vouches for the target: full traffic at once, no recovery ramp.
    if (action === 'close') target.closedAt = 0;
    return view;
  }

  /**
   * A health probe of `provider` answered: its open (not isolated) breakers close now, so traffic
   * returns within one probe interval of a recovery instead of after a doubled open period. The recovery
   * ramp still applies (applyView), and five failures in a row reopen a breaker the probe closed too
   * soon (a model list that answers does not prove completions do).
   */
  probeRecovered(provider: ProviderRuntime): void {
    const nowMs = this.now();
    for (const target of this.#targets.values()) {
      if (target.provider !== provider) continue;
      const state = target.breaker.state;
      if (state !== 'open' && state !== 'half_open') continue;
      let view: ReturnType<StateStore['forceBreaker']>;
      try {
        view = this.state.forceBreaker(target.id, 'close', nowMs);
      } catch (error) {
        this.#stateFailed(error);
        continue;
      }
      if (view instanceof Promise)
        view.then(
          (closed) => this.#applyView(target, closed),
          (error: unknown) => this.#stateFailed(error),
        );
      else this.#applyView(target, view);
    }
  }

  // ---- health -------------------------------------------------------------------------------------

  score(target: TargetRuntime, nowMs: number): number {
    return healthScore(target.health, target.provider.probe, target.closedAt, nowMs, this.#policy.health);
  }

  /** Passive outcome of a real request; `latencyMs` only for successes. */
  recordHealth(
    target: TargetRuntime,
    success: boolean,
    latencyMs: number | undefined,
    stream: boolean,
    nowMs: number,
  ): void {
    // `success` means the target answered (a refusal such as 404 for an unknown model is no success):
    // a provisional direct name becomes a target with routing state now, while there is room.
    if (success && !target.registered) this.#adopt(target);
    target.health.outcomes.add(success, nowMs);
    if (success && latencyMs !== undefined) {
      (stream ? target.health.streamLatency : target.health.jsonLatency).add(latencyMs);
    }
  }

  // ---- keys ---------------------------------------------------------------------------------------

  /**
   * The provider refused key `index` on a real request (401, billing; the adapters' `auth` class). One
   * refusal is counted, not acted on (key-pool.ts, issue 10): the key is taken out of service
   * (`auth_cooldown_ms`) once AUTH_STRIKES_TO_DISABLE refusals fall within AUTH_STRIKE_WINDOW_MS, counted
   * in the state store so every instance's refusals add up. Never waits; the request that saw the
   * refusal moves on to another key by itself.
   */
  keyRefused(provider: ProviderRuntime, index: number, nowMs: number): void {
    this.metrics.keyAuthFailures.inc({ provider: provider.name });
    const strike = (count: number) => {
      if (count < AUTH_STRIKES_TO_DISABLE) {
        this.logger.warn(
          { provider: provider.name, key_id: provider.keys.ids[index], strikes: count },
          'provider refused a gateway key; out of service after further refusals',
        );
        return;
      }
      this.#coolKey(provider, index, nowMs + this.#policy.authCooldownMs, 'auth');
    };
    let counted: ReturnType<StateStore['increment']>;
    try {
      counted = this.state.increment(
        authStrikeCounter(provider.keys.member(index)),
        1,
        AUTH_STRIKE_WINDOW_MS,
        nowMs,
      );
    } catch (error) {
      this.#stateFailed(error);
      return;
    }
    if (counted instanceof Promise) counted.then(strike, (error: unknown) => this.#stateFailed(error));
    else strike(counted);
  }

  /**
   * Takes a key out of rotation until `untilMs`, here and (through the state store) in every other
   * instance. A key taken out for `auth` here is one a probe saw refused: an operator's problem,
   * counted in switchyard_provider_key_auth_failures_total, by key id only.
   */
  coolKey(provider: ProviderRuntime, index: number, untilMs: number, reason: KeyCooldownReason): void {
    if (reason === 'auth') this.metrics.keyAuthFailures.inc({ provider: provider.name });
    this.#coolKey(provider, index, untilMs, reason);
  }

  /**
   * A 429: key `index` rests for `model` only until `untilMs` (providers limit each model apart), here
   * and, through the state store, in every other instance.
   */
  coolKeyForModel(provider: ProviderRuntime, index: number, model: string, untilMs: number): void {
    if (!provider.keys.coolDownForModel(index, model, untilMs)) return;
    this.metrics.keyCooldowns.inc({ provider: provider.name, reason: 'rate_limited' });
    try {
      const written = this.state.setCooldown(
        KEY_MODEL_COOLDOWN_SCOPE,
        provider.keys.modelMember(index, model),
        untilMs,
      );
      if (written instanceof Promise) written.catch((error: unknown) => this.#stateFailed(error));
    } catch (error) {
      this.#stateFailed(error);
    }
  }

  /** The cooldown itself: local view, metric, alert for a disabled key, shared state. */
  #coolKey(provider: ProviderRuntime, index: number, untilMs: number, reason: KeyCooldownReason): void {
    const changed = provider.keys.coolDown(index, untilMs, reason);
    if (!changed) return;
    this.metrics.keyCooldowns.inc({ provider: provider.name, reason });
    if (reason === 'auth') {
      this.logger.error(
        {
          alert: 'provider_key_rejected',
          provider: provider.name,
          key_id: provider.keys.ids[index],
          out_of_service_until: new Date(untilMs).toISOString(),
        },
        'provider rejected a gateway key repeatedly or on a probe; the key is out of service',
      );
    }
    const scope = reason === 'auth' ? KEY_DISABLED_SCOPE : KEY_COOLDOWN_SCOPE;
    try {
      const written = this.state.setCooldown(scope, provider.keys.member(index), untilMs);
      if (written instanceof Promise) written.catch((error: unknown) => this.#stateFailed(error));
    } catch (error) {
      this.#stateFailed(error);
    }
  }

  // ---- background work ----------------------------------------------------------------------------

  /** Reads what other instances changed: breaker transitions and key cooldowns. */
  async syncShared(): Promise<void> {
    const nowMs = this.now();
    const [breakers, cooling, disabled, coolingForModel] = await Promise.all([
      this.state.breakers(),
      this.state.cooldowns(KEY_COOLDOWN_SCOPE, nowMs),
      this.state.cooldowns(KEY_DISABLED_SCOPE, nowMs),
      this.state.cooldowns(KEY_MODEL_COOLDOWN_SCOPE, nowMs),
    ]);
    for (const target of this.#targets.values()) {
      const view = breakers.get(target.id);
      if (view !== undefined) this.#applyView(target, view);
    }
    for (const provider of this.#providers.values()) {
      provider.keys.applyShared(cooling, 'rate_limited');
      provider.keys.applyShared(disabled, 'auth');
      provider.keys.applySharedModels(coolingForModel);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#syncTimer);
    clearTimeout(this.#probeTimer);
    this.metrics.beforeCollect.delete(this.#refreshGauges);
    await this.state.close();
  }

  #syncShared(): void {
    if (this.#syncing) return;
    this.#syncing = true;
    this.syncShared()
      .catch((error: unknown) => this.#stateFailed(error))
      .finally(() => {
        this.#syncing = false;
      });
  }

  #scheduleProbes(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    const policy = this.#policy.probe;
    if (policy.intervalMs <= 0 || this.#closed || this.#providers.size === 0) return;
    const nowMs = this.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const provider of this.#providers.values()) {
      // The first probe waits a whole interval: pre-warming (transport/prewarm.ts) already probed at start.
      if (provider.nextProbeAt === 0) provider.nextProbeAt = nowMs + this.#probeDelay(policy);
      earliest = Math.min(earliest, provider.nextProbeAt);
    }
    this.#probeTimer = setTimeout(() => this.#runDueProbes(), Math.max(0, earliest - nowMs));
    this.#probeTimer.unref();
  }

  #runDueProbes(): void {
    const policy = this.#policy.probe;
    const nowMs = this.now();
    const runner = this.#probeRunner;
    for (const provider of this.#providers.values()) {
      if (provider.nextProbeAt > nowMs || runner === undefined) continue;
      provider.nextProbeAt = nowMs + this.#probeDelay(policy);
      runner(provider).catch((error: unknown) =>
        this.logger.warn({ err: error, provider: provider.name }, 'health probe failed unexpectedly'),
      );
    }
    this.#scheduleProbes();
  }

  /** The interval, jittered by ±jitter so instances and providers do not probe in lockstep. */
  #probeDelay(policy: ProbePolicy): number {
    return Math.round(policy.intervalMs * (1 + policy.jitter * (2 * this.random() - 1)));
  }

  #adopt(target: TargetRuntime): void {
    const provider = target.provider;
    if (this.#targets.has(target.id)) return; // a concurrent request for the same name answered first
    if (provider.answeredDirectTargets >= MAX_ANSWERED_DIRECT_TARGETS) return;
    if (this.#providers.get(provider.name) !== provider) return; // the provider left the config
    provider.answeredDirectTargets++;
    this.#register(target);
  }

  #register(target: TargetRuntime): void {
    target.registered = true;
    this.#targets.set(target.id, target);
  }

  #applyView(target: TargetRuntime, view: BreakerView): void {
    const previous = target.breaker;
    if (view.generation < previous.generation) return;
    target.breaker = view;
    if (view.generation === previous.generation) return;
    // Recovering by itself (trials passed) ramps traffic back up; releasing an isolation does not.
    if (view.state === 'closed' && (previous.state === 'open' || previous.state === 'half_open'))
      target.closedAt = view.since;
    const labels = { provider: target.provider.name, model: target.model };
    this.metrics.breakerState.set(labels, BREAKER_STATE_VALUE[view.state]);
    this.metrics.breakerTransitions.inc({ ...labels, state: view.state });
    const level = view.state === 'open' || view.state === 'isolated' ? 'warn' : 'info';
    this.logger[level](
      {
        target: target.id,
        breaker: view.state,
        from: previous.state,
        until: view.until === 0 ? null : new Date(view.until).toISOString(),
        opens: view.opens,
      },
      'circuit breaker changed state',
    );
  }

  #updateHealthGauges(): void {
    if (this.policies === undefined) return;
    const nowMs = this.now();
    for (const target of this.#targets.values()) {
      this.metrics.healthScore.set(
        { provider: target.provider.name, model: target.model },
        this.score(target, nowMs),
      );
    }
  }

  #stateFailed(error: unknown): void {
    const nowMs = this.now();
    if (nowMs - this.#stateWarnedAt < STATE_WARN_INTERVAL_MS) return;
    this.#stateWarnedAt = nowMs;
    this.logger.warn(
      { err: error, state: this.state.kind },
      'state store call failed; routing goes on with this instance’s own view',
    );
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
