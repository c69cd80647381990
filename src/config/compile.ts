/**
 * Config → the lookup snapshot the hot path reads (style.md §2.9). Everything a request needs is
 * resolved here once: adapters, pools, per-key headers, timeouts, model targets, tenant keys (by
 * hash). A reload compiles a new snapshot and swaps one reference; a request keeps the snapshot it
 * started with, so in-flight work never sees half a config.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'undici';
import { getAdapter, type ProviderType } from '../providers/registry.ts';
import type { AdapterTarget, ProviderAdapter } from '../providers/types.ts';
import type { UpstreamPools } from '../transport/pools.ts';
import type { Config } from './schema.ts';

export interface ProviderTimeouts {
  connectMs: number;
  /** Non-streaming: the whole answer must arrive within this. */
  totalMs: number;
  /** Streaming: response headers and the first event must arrive within this. */
  firstByteMs: number;
  /** Streaming: longest silence between two chunks. */
  idleMs: number;
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
  /** `provider/model` targets built on first use, so a direct name costs one Map lookup after that. */
  directTargets: Map<string, CompiledTarget>;
  /** Round-robin position over `keyHeaders`; the only mutable field, touched once per attempt. */
  keyCursor: number;
}

export interface CompiledTarget {
  /** `provider/model`, as written in config and logs. */
  id: string;
  provider: CompiledProvider;
  adapterTarget: AdapterTarget;
  weight: number;
}

export type RoutingStrategy = Config['models'][string]['strategy'];

export interface CompiledModel {
  /** The name clients send. */
  name: string;
  strategy: RoutingStrategy;
  targets: readonly CompiledTarget[];
  /** False for `provider/model` names: one target, no fallback. */
  virtual: boolean;
}

export interface CompiledTenant {
  name: string;
  /** Allowed model names; undefined means all. */
  models: ReadonlySet<string> | undefined;
  rateLimit: Config['tenants'][string]['rate_limit'];
  budget: Config['tenants'][string]['budget'];
}

export interface Snapshot {
  /** Increments with every successful (re)load, for logs and /readyz. */
  version: number;
  config: Config;
  providers: ReadonlyMap<string, CompiledProvider>;
  models: ReadonlyMap<string, CompiledModel>;
  /** sha256(key) → tenant. Empty map = single-user mode, no key needed. */
  tenantsByKeyHash: ReadonlyMap<string, CompiledTenant>;
  tenancy: boolean;
}

const MAX_DIRECT_TARGETS_PER_PROVIDER = 1024;

export function compileConfig(config: Config, pools: UpstreamPools, version: number): Snapshot {
  const providers = new Map<string, CompiledProvider>();
  for (const [name, provider] of Object.entries(config.providers)) {
    providers.set(name, compileProvider(name, provider, pools, config.server.request_timeout_ms));
  }

  const models = new Map<string, CompiledModel>();
  for (const [name, model] of Object.entries(config.models)) {
    const targets = model.targets.map((entry) => {
      const provider = providers.get(entry.provider);
      // The schema has already checked every provider name; this guards against a schema change.
      if (provider === undefined) throw new Error(`models.${name}: unknown provider in ${entry.target}`);
      return makeTarget(provider, entry.model, entry.weight);
    });
    models.set(name, { name, strategy: model.strategy, targets, virtual: true });
  }

  const tenantsByKeyHash = new Map<string, CompiledTenant>();
  for (const [name, tenant] of Object.entries(config.tenants)) {
    const compiled: CompiledTenant = {
      name,
      models: tenant.models === undefined ? undefined : new Set(tenant.models),
      rateLimit: tenant.rate_limit,
      budget: tenant.budget,
    };
    for (const key of tenant.keys) tenantsByKeyHash.set(hashKey(key), compiled);
  }

  return {
    version,
    config,
    providers,
    models,
    tenantsByKeyHash,
    tenancy: Object.keys(config.tenants).length > 0,
  };
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
  let target = provider.directTargets.get(upstreamModel);
  if (target === undefined) {
    target = makeTarget(provider, upstreamModel, 1);
    // Bounded: a client inventing model names must not grow memory without limit.
    if (provider.directTargets.size < MAX_DIRECT_TARGETS_PER_PROVIDER)
      provider.directTargets.set(upstreamModel, target);
  }
  return { name, strategy: 'fallback', targets: [target], virtual: false };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
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
): CompiledProvider {
  const type = provider.type as ProviderType;
  const adapter = getAdapter(type);
  const baseUrl = (provider.base_url ?? adapter.defaultBaseUrl ?? '').replace(/\/+$/, '');
  const url = new URL(baseUrl);
  const keys = provider.keys.length > 0 ? provider.keys : [''];
  const extraHeaders = provider.headers ?? {};
  const totalMs = provider.timeout_ms ?? requestTimeoutMs;
  const timeouts: ProviderTimeouts = {
    connectMs: provider.connect_timeout_ms,
    totalMs,
    firstByteMs: Math.min(provider.first_byte_timeout_ms, totalMs),
    idleMs: Math.min(provider.idle_timeout_ms, totalMs),
  };
  return {
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
    keyIds: keys.map(keyId),
    timeouts,
    models: provider.models === undefined ? undefined : new Set(provider.models),
    directTargets: new Map(),
    keyCursor: 0,
  };
}

function makeTarget(provider: CompiledProvider, model: string, weight: number): CompiledTarget {
  return {
    id: `${provider.name}/${model}`,
    provider,
    weight,
    adapterTarget: {
      provider: provider.name,
      model,
      baseUrl: provider.baseUrl,
      origin: provider.origin,
      basePath: provider.basePath,
    },
  };
}
