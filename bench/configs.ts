/**
 * The gateway configs the bench runs, written into a temp dir at bench time (the large one is ~2 MB of
 * YAML, not worth committing). Every one is the "production" configuration of issue 18: an upstream
 * key, a tenant virtual key required on every request, RPM/TPM limits and a hard budget on the tenant,
 * pricing, the stored request log (SQLite on a worker thread), the response cache, guardrails in `flag`
 * mode with local moderation, metrics, and the memory state; `shared` is the same on Redis state and a
 * PostgreSQL store. Logging stays on: run.ts sends the gateway's stdout (pino's asynchronous
 * destination) to a file.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const BENCH_TENANT_KEY = 'sk-bench-tenant-0123456789abcdef';
/** Sent by wrk to every target: the direct upstream and the bare proxy take any model name. */
export const BENCH_MODEL = 'gpt-4o-mini';

/**
 * The chat completion every bench client sends (wrk-chat.lua spells the same body out in Lua): two short
 * messages and two settings, the shape of a typical plain request.
 */
export function benchRequestBody(model: string, stream: boolean, unique = false): string {
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: 'You answer in one short sentence.' },
      // `[<id>]`: autocannon's id replacement (-I), so every request is a new prompt (cache misses).
      { role: 'user', content: `What does the quick brown fox do?${unique ? ' [<id>]' : ''}` },
    ],
    max_tokens: 64,
    temperature: 0.3,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

export const LARGE_MODELS = 1_000;
export const LARGE_TENANTS = 10_000;
export const LARGE_PROVIDERS = 20;
/** The large config is driven with one model and one tenant from the middle of each range. */
export const LARGE_MODEL = modelName(777);
export const LARGE_TENANT_KEY = tenantKey(7_777);

function modelName(i: number): string {
  return `model-${String(i).padStart(4, '0')}`;
}

function tenantKey(i: number): string {
  return `sk-tenant-${String(i).padStart(5, '0')}-${((i * 2_654_435_761) >>> 0).toString(16).padStart(8, '0')}`;
}

/** Limits and a budget no bench run reaches: every check runs (admission, settlement), none refuses. */
const generousLimit = { rpm: 1_000_000_000, tpm: 1_000_000_000_000 };
const generousBudget = { usd: 1_000_000, period: 'day', mode: 'hard' };

/**
 * The cache as production runs it. `all`, because the bench body has temperature 0.3 (`deterministic`
 * would bypass it): the throughput cells send a new prompt every request, so they measure misses (a
 * lookup and a store per request); the cache scenario measures hits. Cache settings go here.
 */
const PRODUCTION_CACHE = { mode: 'all' };

/** Where the production configuration keeps its shared state and its store. */
export interface Backends {
  state: string;
  store: string;
}

/** The sections every production-shaped config adds to its providers, models and tenants. */
function productionSections(backends: Backends, cache: { mode: string } = PRODUCTION_CACHE) {
  return {
    // An explicit price, so every request is priced from config (the built-in table would do too).
    pricing: { models: { 'gpt-4o-mini': { input: 0.15, output: 0.6, cached_input: 0.075 } } },
    // `flag` everywhere: every request is scanned and every answer moderated, and streams are not held
    // back (`block` would hold text until a sentence end: bench/guardrails-holdback.ts measures that).
    guardrails: { injection: 'flag', moderation: { backend: 'local', action: 'flag' } },
    cache,
    state: backends.state,
    store: backends.store,
  };
}

function provider(upstreamUrl: string) {
  return { type: 'openai-compatible', base_url: `${upstreamUrl}/v1`, keys: ['sk-upstream-bench'] };
}

/** One provider, one model, one tenant with a rate limit, nothing else (bench/store-stall.ts adds its store). */
export function smallConfig(upstreamUrl: string) {
  return {
    server: { host: '127.0.0.1' },
    providers: { fake: provider(upstreamUrl) },
    models: { [BENCH_MODEL]: { strategy: 'fallback', targets: ['fake/gpt-4o-mini'] } },
    tenants: { bench: { keys: [BENCH_TENANT_KEY], rate_limit: generousLimit } },
    state: 'memory',
  };
}

/**
 * The response cache and nothing the bare proxy does not do either: no tenant key, limits, budget or
 * pricing, no stored log, no guardrails (the stdout log line stays, as by default). The cache scenario
 * measures hits here as well as in production, to separate the cache's own cost from the other stages'.
 */
export function cacheAloneConfig(upstreamUrl: string) {
  return {
    server: { host: '127.0.0.1' },
    providers: { fake: provider(upstreamUrl) },
    models: { [BENCH_MODEL]: { strategy: 'fallback', targets: ['fake/gpt-4o-mini'] } },
    cache: PRODUCTION_CACHE,
    state: 'memory',
  };
}

/** One provider, one virtual model named like the upstream's, one tenant: the production configuration. */
export function productionConfig(upstreamUrl: string, backends: Backends, cache?: { mode: string }) {
  return {
    server: { host: '127.0.0.1' },
    providers: { fake: provider(upstreamUrl) },
    models: { [BENCH_MODEL]: { strategy: 'fallback', targets: ['fake/gpt-4o-mini'] } },
    tenants: { bench: { keys: [BENCH_TENANT_KEY], rate_limit: generousLimit, budget: generousBudget } },
    ...productionSections(backends, cache),
  };
}

/**
 * 20 providers, 1,000 virtual models (two targets each, strategies mixed) and 10,000 tenants with a
 * key and an allow-list each. A request's cost must not depend on any of these counts (docs/style.md §2.9).
 */
export function largeConfig(upstreamUrl: string, backends: Backends) {
  const providers: Record<string, unknown> = {};
  for (let p = 0; p < LARGE_PROVIDERS; p++) providers[`fake${p}`] = provider(upstreamUrl);
  const strategies = ['fallback', 'weighted', 'cost', 'latency'];
  const models: Record<string, unknown> = {};
  for (let m = 0; m < LARGE_MODELS; m++) {
    const first = `fake${m % LARGE_PROVIDERS}`;
    const second = `fake${(m + 1) % LARGE_PROVIDERS}`;
    models[modelName(m)] = {
      // The bench model is always `fallback` so each request takes the same path as in the small config.
      strategy: modelName(m) === LARGE_MODEL ? 'fallback' : strategies[m % strategies.length],
      targets: [`${first}/gpt-4o-mini`, `${second}/gpt-4o-mini`],
    };
  }
  const tenants: Record<string, unknown> = {};
  for (let t = 0; t < LARGE_TENANTS; t++) {
    tenants[`tenant-${String(t).padStart(5, '0')}`] = {
      keys: [tenantKey(t)],
      rate_limit: generousLimit,
      budget: generousBudget,
      models: [modelName(t % LARGE_MODELS), modelName((t * 7) % LARGE_MODELS), LARGE_MODEL],
    };
  }
  return { server: { host: '127.0.0.1' }, providers, models, tenants, ...productionSections(backends) };
}

export interface BenchConfigs {
  /** The production configuration on the memory state and a SQLite store. */
  production: string;
  /** The same with 1,000 models and 10,000 tenants. */
  large: string;
  /** The production configuration with the cache off (the cache scenario's baseline). */
  cacheOff: string;
  /** The cache alone (cacheAloneConfig). */
  cacheAlone: string;
  /** The production configuration without its tenant: no key, limits or budget (what the tenant's stages cost). */
  noTenant: string;
  /** The production configuration on Redis state and a PostgreSQL store. */
  shared: string;
}

/**
 * The Redis state and PostgreSQL store of the `shared` configuration: SWITCHYARD_BENCH_REDIS_URL and
 * SWITCHYARD_BENCH_PG_URL, else the local ones (db 14, away from the tests' db 15).
 */
export function sharedBackends(): Backends {
  return {
    state: process.env.SWITCHYARD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14',
    store: process.env.SWITCHYARD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
}

/**
 * The command-line options that pick a target and its config, shared by bench/profile.ts,
 * bench/instructions.ts and bench/gc-cost.ts (parseArgs options; `configFor` reads their values).
 */
export const TARGET_OPTIONS = {
  target: { type: 'string', default: 'switchyard' },
  cache: { type: 'string' },
  unique: { type: 'boolean', default: true },
  tenant: { type: 'boolean', default: true },
  shared: { type: 'boolean', default: false },
} as const;

/** The config a run asks for by its TARGET_OPTIONS flags (and `--large`, bench/profile.ts only). */
export function configFor(
  configs: BenchConfigs,
  flags: { cache?: string; shared?: boolean; large?: boolean; tenant?: boolean },
): string {
  if (flags.large === true) return configs.large;
  if (flags.tenant === false) return configs.noTenant;
  if (flags.cache === 'off') return configs.cacheOff;
  if (flags.cache === 'alone') return configs.cacheAlone;
  return flags.shared === true ? configs.shared : configs.production;
}

export async function writeConfigs(
  dir: string,
  upstreamUrl: string,
  shared: Backends = sharedBackends(),
): Promise<BenchConfigs> {
  const memory = (name: string): Backends => ({
    state: 'memory',
    store: `sqlite:${join(dir, `${name}.db`)}`,
  });
  const files: BenchConfigs = {
    production: join(dir, 'switchyard.production.yaml'),
    large: join(dir, 'switchyard.large.yaml'),
    cacheOff: join(dir, 'switchyard.cache-off.yaml'),
    cacheAlone: join(dir, 'switchyard.cache-alone.yaml'),
    noTenant: join(dir, 'switchyard.no-tenant.yaml'),
    shared: join(dir, 'switchyard.shared.yaml'),
  };
  const yaml = (config: unknown) => stringify(config, { aliasDuplicateObjects: false });
  await writeFile(files.production, yaml(productionConfig(upstreamUrl, memory('production'))));
  await writeFile(files.large, yaml(largeConfig(upstreamUrl, memory('large'))));
  await writeFile(files.cacheOff, yaml(productionConfig(upstreamUrl, memory('cache-off'), { mode: 'off' })));
  await writeFile(files.shared, yaml(productionConfig(upstreamUrl, shared)));
  await writeFile(files.cacheAlone, yaml(cacheAloneConfig(upstreamUrl)));
  const { tenants: _, ...noTenant } = productionConfig(upstreamUrl, memory('no-tenant'));
  await writeFile(files.noTenant, yaml(noTenant));
  return files;
}
