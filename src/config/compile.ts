/**
 * Config → the lookup snapshot the hot path reads (docs/style.md §2.9). Everything a request needs is
 * resolved here once: adapters, pools, per-key headers, timeouts, model targets, tenant keys (by
 * hash). A reload compiles a new snapshot and swaps one reference; a request keeps the snapshot it
 * started with, so in-flight work never sees half a config.
 */
import { hash } from 'node:crypto';
import type { Pool } from 'undici';
import { getAdapter, type ProviderType } from '../providers/registry.ts';
import type { AdapterTarget, ProviderAdapter } from '../providers/types.ts';
import type { BackoffPolicy } from '../routing/backoff.ts';
import { probeProvider } from '../routing/health-probe.ts';
import { lookupModelInfo, type ModelInfo } from '../routing/prices.ts';
import { type CompiledRule, compileRule } from '../routing/rules.ts';
import {
  type ProviderRuntime,
  type RoutingPolicies,
  RoutingRuntime,
  routingPolicies,
  type TargetRuntime,
} from '../routing/runtime.ts';
import { MemoryState } from '../state/memory.ts';
import { silentLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import type { UpstreamPools } from '../transport/pools.ts';
import { type CompiledTenant, compileTenant } from '../control-plane/tenant-policy.ts';
import type { Config } from './schema.ts';
import type { FirstTokenPolicy } from '../routing/first-token-stats.ts';
import { CONTINUATION_DEFAULTS, type ContinuationMode } from '../pipeline/continuation.ts';

export interface ProviderTimeouts {
  connectMs: number;
  /** Non-streaming: the whole answer must arrive within this. */
  totalMs: number;
  /** Streaming: response headers and the first event must arrive within this. */
  firstByteMs: number;
  /** Streaming: longest silence between two chunks once the first event came. */
  idleMs: number;
  /** Streaming: the adaptive first-token deadline (routing/first-token-stats.ts); undefined: fixed. */
  firstToken: FirstTokenPolicy | undefined;
}

export interface CompiledProvider {
  name: string;
  type: ProviderType;
  adapter: ProviderAdapter;
  pool: Pool;
  baseUrl: string;
  origin: string;
  basePath: string;
  /** One header set per key, auth included; index-aligned with `keyIds`. Never logged. */
  keyHeaders: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Short, non-reversible ids of the keys, for logs and the admin API. */
  keyIds: readonly string[];
  timeouts: ProviderTimeouts;
  /** Upstream models this provider offers, when configured; restricts `provider/model` names. */
  models: ReadonlySet<string> | undefined;
  /**
   * `provider/model` names built on first use, so a direct name costs one Map lookup after that. Only
   * names with routing state are kept (listed, configured, or answered: routing/runtime.ts), so its
   * size is bounded however many names clients invent.
   */
  directModels: Map<string, CompiledModel>;
  /** Key pool (rotation, cooldowns) and probe results; outlives reloads (src/routing/runtime.ts). */
  runtime: ProviderRuntime;
  /** How a broken stream may be continued on this provider (pipeline/continuation.ts). */
  continuation: ContinuationMode;
}

export interface CompiledTarget {
  /** `provider/model`, as written in config and logs. */
  id: string;
  provider: CompiledProvider;
  adapterTarget: AdapterTarget;
  weight: number;
  /** Built-in list price and context window, when the model is known (src/routing/prices.ts). */
  info: ModelInfo | undefined;
  /** Breaker view and health; outlives reloads. */
  runtime: TargetRuntime;
}

export type RoutingStrategy = Config['models'][string]['strategy'];

export interface CompiledModel {
  /** The name clients send. */
  name: string;
  strategy: RoutingStrategy;
  targets: readonly CompiledTarget[];
  /** Conditional routes, first match wins; empty for most models. */
  rules: readonly CompiledRule[];
  /** True when routing must look at the request's shape (rules, or cost routing's capability check). */
  needsShape: boolean;
  /** False for `provider/model` names: one target, no fallback. */
  virtual: boolean;
  /** `hedge.after_ms`: ms or `p95`; undefined: no hedged requests (pipeline/hedge.ts). */
  hedgeAfterMs?: number | 'p95';
  /** `first_token_deadline` override: null keeps the fixed deadline; undefined: each provider's own. */
  firstToken?: FirstTokenPolicy | null;
}

export interface RetryPolicy {
  /** Upstream attempts per request: first try, retries, fallbacks and key rotations together. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** The longest single wait (backoff or Retry-After) the loop takes before trying again. */
  maxWaitMs: number;
  /**
   * Rounds after the first for `provider/model` names (virtual models get as many as `maxAttempts`
   * allows); key rotation within a round always applies.
   */
  directModelRetries: number;
  /** Quick retries of the same target after a 5xx or reset, before falling over. */
  sameTargetRetries: number;
  /** Their delay, ms (equal jitter: between half of it and all of it). */
  sameTargetDelayMs: number;
}

export interface CompiledRouting {
  runtime: RoutingRuntime;
  policies: RoutingPolicies;
  retry: RetryPolicy;
}

export type { CompiledTenant } from '../control-plane/tenant-policy.ts';

export interface Snapshot {
  /** Increments with every successful (re)load, for logs and /readyz. */
  version: number;
  config: Config;
  providers: ReadonlyMap<string, CompiledProvider>;
  models: ReadonlyMap<string, CompiledModel>;
  /** sha256(key) → tenant, for keys written in the config; store keys are in the KeyRegistry. */
  tenantsByKeyHash: ReadonlyMap<string, CompiledTenant>;
  /** Config tenants by name, tier defaults applied. */
  tenantsByName: ReadonlyMap<string, CompiledTenant>;
  /** Config tenants exist: a key is required (the key registry can turn this on too). */
  tenancy: boolean;
  routing: CompiledRouting;
}

/**
 * `runtime` carries routing state (breakers, health, key cooldowns) across reloads; the gateway passes
 * the same one every time. Without one (tools, tests of other stages) the snapshot gets its own,
 * on the memory store.
 */
export function compileConfig(
  config: Config,
  pools: UpstreamPools,
  version: number,
  runtime: RoutingRuntime = standaloneRuntime(),
): Snapshot {
  const policies = routingPolicies(config);
  const halfLifeMs = policies.health.halfLifeMs;
  const providers = new Map<string, CompiledProvider>();
  for (const [name, provider] of Object.entries(config.providers)) {
    providers.set(name, compileProvider(name, provider, pools, config.server.request_timeout_ms, runtime));
  }

  const models = new Map<string, CompiledModel>();
  for (const [name, model] of Object.entries(config.models)) {
    const resolve = (entry: { target: string; provider: string; model: string; weight: number }) => {
      const provider = providers.get(entry.provider);
      // The schema has already checked every provider name; this guards against a schema change.
      if (provider === undefined) throw new Error(`models.${name}: unknown provider in ${entry.target}`);
      return makeTarget(provider, entry.model, entry.weight, runtime, halfLifeMs);
    };
    const targets = model.targets.map(resolve);
    const rules = (model.rules ?? []).map((rule, index) =>
      compileRule(rule, index, model.strategy, rule.targets.map(resolve)),
    );
    const needsShape =
      rules.length > 0 || model.strategy === 'cost' || rules.some((rule) => rule.strategy === 'cost');
    models.set(name, {
      name,
      strategy: model.strategy,
      targets,
      rules,
      needsShape,
      virtual: true,
      hedgeAfterMs: model.hedge?.after_ms,
      firstToken: firstTokenPolicy(model.first_token_deadline),
    });
  }

  const tenantsByKeyHash = new Map<string, CompiledTenant>();
  const tenantsByName = new Map<string, CompiledTenant>();
  for (const [name, tenant] of Object.entries(config.tenants)) {
    const compiled = compileTenant(name, tenant, config.tiers);
    tenantsByName.set(name, compiled);
    for (const key of tenant.keys) tenantsByKeyHash.set(hashKey(key), compiled);
  }

  const retry = config.retry;
  const snapshot: Snapshot = {
    version,
    config,
    providers,
    models,
    tenantsByKeyHash,
    tenantsByName,
    tenancy: Object.keys(config.tenants).length > 0,
    routing: {
      runtime,
      policies,
      retry: {
        maxAttempts: retry.max_attempts,
        backoff: { baseMs: retry.backoff_base_ms, maxMs: retry.backoff_max_ms },
        maxWaitMs: retry.max_wait_ms,
        directModelRetries: directModelRetries(retry.retry_direct_models),
        sameTargetRetries: retry.same_target_retries,
        sameTargetDelayMs: retry.same_target_delay_ms,
      },
    },
  };
  runtime.attach(policies, new Set(providers.keys()), (state) => {
    const provider = providers.get(state.name);
    if (provider === undefined) return Promise.resolve();
    return probeProvider(provider, runtime, policies.probe.timeoutMs);
  });
  return snapshot;
}

/** A virtual model, or a `provider/model` name (split at the first slash: model ids may hold slashes). */
export function resolveModel(snapshot: Snapshot, name: string): CompiledModel | undefined {
  const virtual = snapshot.models.get(name);
  if (virtual !== undefined) return virtual;
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return undefined;
  const provider = snapshot.providers.get(name.slice(0, slash));
  if (provider === undefined) return undefined;
  const upstreamModel = name.slice(slash + 1);
  if (provider.models !== undefined && !provider.models.has(upstreamModel)) return undefined;
  const known = provider.directModels.get(upstreamModel);
  if (known !== undefined) return known;
  const routing = snapshot.routing;
  const halfLifeMs = routing.policies.health.halfLifeMs;
  const target =
    provider.models === undefined
      ? directTarget(provider, upstreamModel, routing.runtime, halfLifeMs)
      : makeTarget(provider, upstreamModel, 1, routing.runtime, halfLifeMs);
  const model: CompiledModel = {
    name,
    strategy: 'fallback',
    targets: [target],
    rules: [],
    needsShape: false,
    virtual: false,
  };
  // A provisional name is built again per request until it answers: a made-up name leaves nothing.
  if (target.runtime.registered) provider.directModels.set(upstreamModel, model);
  return model;
}

function directModelRetries(setting: boolean | number): number {
  if (setting === true) return Number.POSITIVE_INFINITY;
  if (setting === false) return 0;
  return setting;
}

function standaloneRuntime(): RoutingRuntime {
  return new RoutingRuntime({
    state: new MemoryState(),
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
  });
}

export function hashKey(key: string): string {
  // The one-shot form: 0.5 µs against createHash's 1.1 µs, paid by every authenticated request.
  return hash('sha256', key, 'hex');
}

/** A short id that names a key in logs without revealing it. */
export function keyId(key: string): string {
  return key === '' ? 'none' : `key_${hashKey(key).slice(0, 8)}`;
}

function compileProvider(
  name: string,
  provider: Config['providers'][string],
  pools: UpstreamPools,
  requestTimeoutMs: number,
  runtime: RoutingRuntime,
): CompiledProvider {
  const type = provider.type as ProviderType;
  const adapter = getAdapter(type);
  const baseUrl = (provider.base_url ?? adapter.defaultBaseUrl ?? '').replace(/\/+$/, '');
  const url = new URL(baseUrl);
  const keys = provider.keys.length > 0 ? provider.keys : [''];
  const keyIds = keys.map(keyId);
  const extraHeaders = provider.headers ?? {};
  const totalMs = provider.timeout_ms ?? requestTimeoutMs;
  const timeouts: ProviderTimeouts = {
    connectMs: provider.connect_timeout_ms,
    totalMs,
    firstByteMs: Math.min(provider.first_byte_timeout_ms, totalMs),
    idleMs: Math.min(provider.idle_timeout_ms, totalMs),
    firstToken: firstTokenPolicy(provider.first_token_deadline) ?? undefined,
  };
  const compiled: CompiledProvider = {
    name,
    type,
    adapter,
    pool: pools.get(url.origin, {
      connections: provider.max_connections,
      connectTimeoutMs: timeouts.connectMs,
      keepAliveTimeoutMs: 60_000,
    }),
    baseUrl,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    keyHeaders: keys.map((key) => ({
      ...extraHeaders,
      ...adapter.buildHeaders(key === '' ? undefined : key),
    })),
    keyIds,
    timeouts,
    models: provider.models === undefined ? undefined : new Set(provider.models),
    directModels: new Map(),
    runtime: runtime.provider(name, keyIds),
    continuation: provider.continuation ?? CONTINUATION_DEFAULTS[type],
  };
  const adaptive = provider.adaptive_concurrency;
  compiled.runtime.configureConcurrency(
    adaptive === undefined
      ? undefined
      : {
          initial: adaptive.initial,
          min: adaptive.min,
          max: adaptive.max,
          maxQueueMs: adaptive.max_queue_ms,
        },
  );
  return compiled;
}

/** A `first_token_deadline` setting compiled: null for `false`, undefined when not set. */
function firstTokenPolicy(
  setting: false | { multiple: number; floor_ms: number; min_samples: number } | undefined,
): FirstTokenPolicy | null | undefined {
  if (setting === undefined) return undefined;
  if (setting === false) return null;
  return { multiple: setting.multiple, floorMs: setting.floor_ms, minSamples: setting.min_samples };
}

function makeTarget(
  provider: CompiledProvider,
  model: string,
  weight: number,
  runtime: RoutingRuntime,
  halfLifeMs: number,
): CompiledTarget {
  return targetWith(provider, model, weight, runtime.target(provider.runtime, model, halfLifeMs));
}

/** A name sent to a provider without a model list: registered once it has answered (routing/runtime.ts). */
function directTarget(
  provider: CompiledProvider,
  model: string,
  runtime: RoutingRuntime,
  halfLifeMs: number,
): CompiledTarget {
  return targetWith(provider, model, 1, runtime.directTarget(provider.runtime, model, halfLifeMs));
}

function targetWith(
  provider: CompiledProvider,
  model: string,
  weight: number,
  state: TargetRuntime,
): CompiledTarget {
  return {
    id: state.id,
    provider,
    weight,
    info: lookupModelInfo(provider.type, model),
    runtime: state,
    adapterTarget: {
      provider: provider.name,
      model,
      baseUrl: provider.baseUrl,
      origin: provider.origin,
      basePath: provider.basePath,
    },
  };
}
