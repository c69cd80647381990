/**
 * The state store shared by many gateway instances (`state: redis://…`). Every operation is one round
 * trip: a single command or one Lua script (src/state/lua/), loaded at start and called by hash
 * (docs/style.md §2.9). Keys carry a prefix so several deployments (or parallel test runs) can share one
 * Redis.
 *
 * Failure policy: the gateway must keep serving when Redis does not. Commands time out after
 * `commandTimeoutMs` and reject; callers (src/routing/runtime.ts) log and carry on with their local
 * view, so a Redis outage degrades sharing, never routing. Limits wrap this store in FallbackState
 * (fallback-state.ts), which bounds every call by a much shorter timeout.
 *
 * Redis Cluster and Sentinel (redis-target.ts): every key of one script call shares one hash tag
 * (redis-keys.ts): the scope for limits and budgets, the breaker id for a breaker's record. The index of
 * breaker transitions (one hash, read by `breakers()`) is updated by a second, small call, only when a
 * breaker changes state.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis, RedisOptions } from 'ioredis';
import type { AdmissionResult, AdmissionSpec, BudgetView, Settlement } from '../limits/types.ts';
import type { BreakerOutcome, BreakerPolicy, BreakerStateName, BreakerView } from '../routing/breaker.ts';
import { BUDGET_RETENTION_MS, CONCURRENT_RETRY_MS } from './memory-limits.ts';
import { admissionKeys, breakerKeys, budgetKeys, scopeTag, settlementKeys } from './redis-keys.ts';
import { createRedisClient, type RedisClient } from './redis-client.ts';
import { WINDOW_MS, windowIndex } from './sliding-window.ts';
import type { BreakerAction, StateStore, TokenBucketResult, TokenBucketSpec, TrialResult } from './types.ts';

export interface RedisStateOptions {
  /** Prepended to every key; default `switchyard:`. */
  prefix?: string;
  /** A command that gets no reply within this rejects; default 1000 ms. */
  commandTimeoutMs?: number;
  /** Extra ioredis options (tests, TLS). */
  redis?: RedisOptions;
}

export type { RedisClient } from './redis-client.ts';

/** A breaker record idle this long is dropped: it holds nothing a fresh, closed breaker would not. */
const BREAKER_RECORD_TTL_MS = 24 * 3_600_000;

/** A script's source; several names are concatenated (a shared prelude first). */
function loadLua(...names: string[]): string {
  return names.map((name) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')).join('\n');
}

/**
 * A Lua script called by its hash. A node that does not know it (restart, SCRIPT FLUSH, a cluster node
 * that joined later) gets it through one EVAL, which also caches it there.
 */
class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async load(redis: Redis): Promise<void> {
    await redis.script('LOAD', this.#source);
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

export class RedisState implements StateStore {
  readonly kind = 'redis' as const;
  readonly redis: RedisClient;
  readonly #prefix: string;
  readonly #breaker = new LuaScript(loadLua('breaker'));
  readonly #breakerIndex = new LuaScript(loadLua('breaker-index'));
  readonly #bucket = new LuaScript(loadLua('token-bucket'));
  readonly #counter = new LuaScript(loadLua('counter'));
  readonly #cooldowns = new LuaScript(loadLua('cooldowns'));
  readonly #admit = new LuaScript(loadLua('limits-common', 'admit'));
  readonly #settle = new LuaScript(loadLua('limits-common', 'settle'));
  readonly #budgetView = new LuaScript(loadLua('limits-common', 'budget-view'));
  readonly #seedSpend = new LuaScript(loadLua('seed-spend'));
  #ready: Promise<void> | undefined;

  /** `setting`: any form of redis-target.ts (redis://, rediss://, redis-cluster://, redis-sentinel://). */
  constructor(setting: string, options: RedisStateOptions = {}) {
    this.#prefix = options.prefix ?? 'switchyard:';
    const common: RedisOptions = {
      commandTimeout: options.commandTimeoutMs ?? 1000,
      // One quick retry, then reject: routing must not wait on a Redis that is away.
      maxRetriesPerRequest: 1,
      enableAutoPipelining: true,
      ...options.redis,
    };
    this.redis = createRedisClient(setting, common);
  }

  /**
   * Loads the scripts (on every master of a cluster); resolves once Redis answered. Operations also
   * work without calling it first.
   */
  ready(): Promise<void> {
    this.#ready ??= this.#loadScripts();
    return this.#ready;
  }

  async #loadScripts(): Promise<void> {
    const scripts = [
      this.#breaker,
      this.#breakerIndex,
      this.#bucket,
      this.#counter,
      this.#cooldowns,
      this.#admit,
      this.#settle,
      this.#budgetView,
      this.#seedSpend,
    ];
    let nodes: Redis[];
    if ('nodes' in this.redis) {
      await this.redis.ping();
      nodes = this.redis.nodes('master');
    } else {
      nodes = [this.redis];
    }
    await Promise.all(nodes.flatMap((node) => scripts.map((script) => script.load(node))));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async admit(scope: string, spec: AdmissionSpec, nowMs: number): Promise<AdmissionResult> {
    const now = Math.floor(nowMs);
    const budget = spec.budget;
    const reply = (await this.#admit.run(
      this.redis,
      admissionKeys(this.#prefix, scope, now, budget?.periodKey ?? ''),
      [
        spec.requestId,
        now,
        Math.ceil(spec.leaseMs),
        Math.ceil(spec.estimatedTokens),
        spec.rpm ?? -1,
        spec.tpm ?? -1,
        spec.concurrent ?? -1,
        budget === undefined ? 0 : 1,
        budget?.hard === true ? 1 : 0,
        budget?.limitNanoUsd ?? 0,
        Math.round(budget?.reserveNanoUsd ?? 0),
        budget?.periodEndMs ?? 0,
        (budget?.periodEndMs ?? 0) + BUDGET_RETENTION_MS,
        windowExpiry(now),
        CONCURRENT_RETRY_MS,
      ],
    )) as [number, string, number, number, number, number, number, number, number];
    return {
      allowed: reply[0] === 1,
      refusal: reply[1] === '' ? undefined : (reply[1] as AdmissionResult['refusal']),
      retryAfterMs: reply[2],
      requests:
        spec.rpm === undefined ? undefined : { limit: spec.rpm, remaining: reply[3], resetMs: reply[4] },
      tokens:
        spec.tpm === undefined ? undefined : { limit: spec.tpm, remaining: reply[5], resetMs: reply[6] },
      budget: budget === undefined ? undefined : { spentNanoUsd: reply[7], reservedNanoUsd: reply[8] },
    };
  }

  async settle(scope: string, settlement: Settlement, nowMs: number): Promise<void> {
    const now = Math.floor(nowMs);
    const budget = settlement.budget;
    const tokens = settlement.tokens;
    await this.#settle.run(this.redis, settlementKeys(this.#prefix, scope, now, budget?.periodKey ?? ''), [
      settlement.requestId,
      settlement.releaseConcurrent ? 1 : 0,
      tokens === undefined ? 0 : 1,
      tokens === undefined ? 0 : Math.ceil(tokens.actual) - Math.ceil(tokens.estimated),
      budget === undefined ? 0 : 1,
      Math.round(budget?.actualNanoUsd ?? 0),
      (budget?.periodEndMs ?? 0) + BUDGET_RETENTION_MS,
      windowExpiry(now),
      now,
    ]);
  }

  async budgetView(scope: string, periodKey: string, nowMs: number): Promise<BudgetView> {
    const reply = (await this.#budgetView.run(
      this.redis,
      budgetKeys(scopeTag(this.#prefix, scope), periodKey),
      [Math.floor(nowMs)],
    )) as [number, number];
    return { spentNanoUsd: reply[0], reservedNanoUsd: reply[1] };
  }

  async seedSpend(
    scope: string,
    periodKey: string,
    periodEndMs: number,
    spentNanoUsd: number,
  ): Promise<void> {
    const [totals] = budgetKeys(scopeTag(this.#prefix, scope), periodKey);
    // seedSpend takes no clock reading: the time to live is counted on the wall clock.
    const ttlMs = Math.max(1, Math.ceil(periodEndMs + BUDGET_RETENTION_MS - Date.now()));
    await this.#seedSpend.run(this.redis, [totals as string], [Math.round(spentNanoUsd), ttlMs]);
  }

  async claimOnce(key: string, ttlMs: number, _nowMs: number): Promise<boolean> {
    const reply = await this.redis.set(
      `${this.#prefix}once:${key}`,
      '1',
      'PX',
      Math.max(1, Math.ceil(ttlMs)),
      'NX',
    );
    return reply === 'OK';
  }

  async increment(key: string, by: number, ttlMs: number, _nowMs: number): Promise<number> {
    const value = await this.#counter.run(this.redis, [`${this.#prefix}n:${key}`], [by, Math.ceil(ttlMs)]);
    return Number(value);
  }

  async takeTokens(
    key: string,
    spec: TokenBucketSpec,
    cost: number,
    nowMs: number,
  ): Promise<TokenBucketResult> {
    const reply = (await this.#bucket.run(
      this.redis,
      [`${this.#prefix}tb:${key}`],
      [spec.capacity, spec.refillPerSecond, cost, Math.floor(nowMs)],
    )) as [number, string, number];
    return {
      allowed: reply[0] === 1,
      remaining: Number(reply[1]),
      retryAfterMs: reply[2] < 0 ? Number.POSITIVE_INFINITY : reply[2],
    };
  }

  async setCooldown(scope: string, member: string, untilMs: number): Promise<void> {
    await this.redis.zadd(`${this.#prefix}cd:${scope}`, 'GT', Math.ceil(untilMs), member);
  }

  async clearCooldown(scope: string, member: string): Promise<void> {
    await this.redis.zrem(`${this.#prefix}cd:${scope}`, member);
  }

  async cooldowns(scope: string, nowMs: number): Promise<ReadonlyMap<string, number>> {
    const flat = (await this.#cooldowns.run(
      this.redis,
      [`${this.#prefix}cd:${scope}`],
      [Math.floor(nowMs)],
    )) as string[];
    const active = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) active.set(flat[i] as string, Number(flat[i + 1]));
    return active;
  }

  recordOutcome(
    id: string,
    outcome: BreakerOutcome,
    nowMs: number,
    policy: BreakerPolicy,
  ): Promise<BreakerView> {
    return this.#runBreaker('record', id, nowMs, outcome, policy).then((reply) => reply.view);
  }

  acquireTrial(id: string, nowMs: number, policy: BreakerPolicy): Promise<TrialResult> {
    return this.#runBreaker('acquire', id, nowMs, '', policy);
  }

  forceBreaker(id: string, action: BreakerAction, nowMs: number): Promise<BreakerView> {
    return this.#runBreaker('force', id, nowMs, action, undefined).then((reply) => reply.view);
  }

  async breakers(): Promise<ReadonlyMap<string, BreakerView>> {
    const all = await this.redis.hgetall(`${this.#prefix}brk-index`);
    const views = new Map<string, BreakerView>();
    for (const [id, json] of Object.entries(all)) {
      const stored = JSON.parse(json) as {
        state: BreakerStateName;
        generation: number;
        since: number;
        until: number;
        opens: number;
      };
      views.set(id, {
        state: stored.state,
        generation: stored.generation,
        since: stored.since,
        until: stored.until,
        opens: stored.opens,
        consecutiveFailures: 0,
        windowRequests: 0,
        windowFailures: 0,
        trialsInFlight: 0,
        trialSuccesses: 0,
      });
    }
    return views;
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      // Already disconnected: nothing left to close.
      this.redis.disconnect();
    }
  }

  async #runBreaker(
    op: 'record' | 'acquire' | 'force',
    id: string,
    nowMs: number,
    arg: string,
    policy: BreakerPolicy | undefined,
  ): Promise<TrialResult> {
    const p = policy ?? FORCE_POLICY;
    const reply = (await this.#breaker.run(this.redis, breakerKeys(this.#prefix, id), [
      op,
      id,
      Math.floor(nowMs),
      arg,
      p.consecutiveFailures,
      p.failureRate,
      p.minimumRequests,
      p.windowMs,
      p.openMs,
      p.maxOpenMs,
      p.halfOpenTrials,
      p.trialTimeoutMs,
      BREAKER_RECORD_TTL_MS,
    ])) as [
      BreakerStateName,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const result = {
      granted: reply[10] === 1,
      view: {
        state: reply[0],
        generation: reply[1],
        since: reply[2],
        until: reply[3],
        opens: reply[4],
        consecutiveFailures: reply[5],
        windowRequests: reply[6],
        windowFailures: reply[7],
        trialsInFlight: reply[8],
        trialSuccesses: reply[9],
      },
    };
    if (reply[11] === 1) {
      const { state, generation, since, until, opens } = result.view;
      await this.#breakerIndex.run(
        this.redis,
        [`${this.#prefix}brk-index`],
        [id, generation, JSON.stringify({ state, generation, since, until, opens })],
      );
    }
    return result;
  }
}

/** A window's counter is read as "previous" during the next window, then nobody needs it. */
function windowExpiry(nowMs: number): number {
  return (windowIndex(nowMs) + 2) * WINDOW_MS + 1_000;
}

/** Forcing needs no policy; these values only fill the script's arguments. */
const FORCE_POLICY: BreakerPolicy = {
  consecutiveFailures: 1,
  failureRate: 1,
  minimumRequests: 1,
  windowMs: 10_000,
  openMs: 10_000,
  maxOpenMs: 10_000,
  halfOpenTrials: 1,
  trialTimeoutMs: 10_000,
};
