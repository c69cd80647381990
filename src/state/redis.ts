/**
 * The state store shared by many gateway instances (`state: redis://…`). Every operation is one round
 * trip: a single command or one Lua script (src/state/lua/), loaded at start and called by hash
 * (docs/style.md §2.9). Keys carry a prefix so several deployments (or parallel test runs) can share one
 * Redis.
 *
 * Failure policy: the gateway must keep serving when Redis does not. Commands time out after
 * `commandTimeoutMs` and reject; callers (src/routing/runtime.ts) log and carry on with their local
 * view, so a Redis outage degrades sharing, never routing.
 *
 * Not supported yet: Redis Cluster (a breaker's record and the transitions hash are two keys that would
 * need one hash slot).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import type { BreakerOutcome, BreakerPolicy, BreakerStateName, BreakerView } from '../routing/breaker.ts';
import type { BreakerAction, StateStore, TokenBucketResult, TokenBucketSpec, TrialResult } from './types.ts';

export interface RedisStateOptions {
  /** Prepended to every key; default `switchyard:`. */
  prefix?: string;
  /** A command that gets no reply within this rejects; default 1000 ms. */
  commandTimeoutMs?: number;
  /** Extra ioredis options (tests, TLS). */
  redis?: RedisOptions;
}

/**
 * ioredis is loaded on first use: importing it costs about 27 MB of resident memory, which a gateway on
 * `state: memory` (the default) would carry for nothing; peak RSS is part of the performance budget.
 */
function loadIoredis(): typeof Redis {
  return (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis;
}

/** A breaker record idle this long is dropped: it holds nothing a fresh, closed breaker would not. */
const BREAKER_RECORD_TTL_MS = 24 * 3_600_000;

function loadLua(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

/** A Lua script loaded once and called by its hash, reloaded if Redis lost it (restart, SCRIPT FLUSH). */
class LuaScript {
  readonly #source: string;
  #sha: string | undefined;

  constructor(source: string) {
    this.#source = source;
  }

  async load(redis: Redis): Promise<void> {
    this.#sha = (await redis.script('LOAD', this.#source)) as string;
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    if (this.#sha === undefined) await this.load(redis);
    try {
      return await redis.evalsha(this.#sha as string, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      await this.load(redis);
      return await redis.evalsha(this.#sha as string, keys.length, ...keys, ...args);
    }
  }
}

export class RedisState implements StateStore {
  readonly kind = 'redis' as const;
  readonly redis: Redis;
  readonly #prefix: string;
  readonly #breaker = new LuaScript(loadLua('breaker'));
  readonly #bucket = new LuaScript(loadLua('token-bucket'));
  readonly #counter = new LuaScript(loadLua('counter'));
  readonly #cooldowns = new LuaScript(loadLua('cooldowns'));
  #ready: Promise<void> | undefined;

  constructor(url: string, options: RedisStateOptions = {}) {
    this.#prefix = options.prefix ?? 'switchyard:';
    this.redis = new (loadIoredis())(url, {
      commandTimeout: options.commandTimeoutMs ?? 1000,
      // One quick retry, then reject: routing must not wait on a Redis that is away.
      maxRetriesPerRequest: 1,
      enableAutoPipelining: true,
      ...options.redis,
    });
    // ioredis reconnects by itself; without a listener an unreachable Redis would crash the process.
    this.redis.on('error', () => {});
  }

  /** Loads the scripts; resolves once Redis answered. Operations also work without calling it first. */
  ready(): Promise<void> {
    this.#ready ??= Promise.all([
      this.#breaker.load(this.redis),
      this.#bucket.load(this.redis),
      this.#counter.load(this.redis),
      this.#cooldowns.load(this.redis),
    ]).then(() => undefined);
    return this.#ready;
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
    const all = await this.redis.hgetall(`${this.#prefix}brk`);
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
    const reply = (await this.#breaker.run(
      this.redis,
      [`${this.#prefix}brk:${id}`, `${this.#prefix}brk`],
      [
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
      ],
    )) as [BreakerStateName, number, number, number, number, number, number, number, number, number, number];
    return {
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
  }
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
