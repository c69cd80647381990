/**
 * The gateway configs the bench runs, written into a temp dir at bench time (the large one is ~2 MB of
 * YAML, not worth committing). Both are production-shaped: an upstream key, a tenant key required on
 * every request, a rate limit on the tenant, the memory state. Logging stays on: run.ts sends the
 * gateway's stdout (pino's asynchronous destination) to a file.
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

const generousLimit = { rpm: 1_000_000_000, tpm: 1_000_000_000_000 };

function provider(upstreamUrl: string) {
  return { type: 'openai-compatible', base_url: `${upstreamUrl}/v1`, keys: ['sk-upstream-bench'] };
}

/** One provider, one virtual model named like the upstream's, one tenant. */
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
 * 20 providers, 1,000 virtual models (two targets each, strategies mixed) and 10,000 tenants with a
 * key and an allow-list each. A request's cost must not depend on any of these counts (docs/style.md §2.9).
 */
export function largeConfig(upstreamUrl: string) {
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
      models: [modelName(t % LARGE_MODELS), modelName((t * 7) % LARGE_MODELS), LARGE_MODEL],
    };
  }
  return { server: { host: '127.0.0.1' }, providers, models, tenants, state: 'memory' };
}

export async function writeConfigs(
  dir: string,
  upstreamUrl: string,
): Promise<{ small: string; large: string; cacheAll: string; cacheOff: string }> {
  const small = join(dir, 'switchyard.small.yaml');
  const large = join(dir, 'switchyard.large.yaml');
  const cacheAll = join(dir, 'switchyard.cache-all.yaml');
  const cacheOff = join(dir, 'switchyard.cache-off.yaml');
  await writeFile(small, stringify(smallConfig(upstreamUrl), { aliasDuplicateObjects: false }));
  await writeFile(large, stringify(largeConfig(upstreamUrl), { aliasDuplicateObjects: false }));
  // The cache scenario (issue 14): the bench body has temperature 0.3, so `all` makes it cacheable.
  await writeFile(cacheAll, stringify({ ...smallConfig(upstreamUrl), cache: { mode: 'all' } }));
  await writeFile(cacheOff, stringify({ ...smallConfig(upstreamUrl), cache: { mode: 'off' } }));
  return { small, large, cacheAll, cacheOff };
}
