/**
 * What the cache does with one request (issue 14, docs/design.md §1): read and/or write, under which
 * scope, for how long. Decided from the `cache` section (compiled once per config), the request's
 * sampling parameters and its headers, without I/O.
 *
 * - `Cache-Control: no-store`: neither read nor write; `no-cache`: do not read, store the fresh answer.
 * - `x-switchyard-cache: force`: cacheable whatever the mode says (not when the mode is `off`).
 * - `deterministic` mode: only requests with temperature 0 or a seed, whose answer is meant to repeat.
 * - A request for log probabilities is never cached: a replayed stream could not carry them faithfully.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config/schema.ts';
import type { CacheConfig } from '../config/sections/cache.ts';
import { invalidCacheDirective } from '../errors/codes.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';

export interface CachePolicy {
  mode: CacheConfig['mode'];
  ttlMs: number;
  /** Per model name as clients send it; 0 keeps the model out of the cache. */
  modelTtlMs: ReadonlyMap<string, number>;
  maxEntryBytes: number;
  /** Tenant name → shared scope name. */
  sharedScopes: ReadonlyMap<string, string>;
}

export type CacheDecision = { read: false; write: false } | { read: boolean; write: true; ttlMs: number };

const BYPASS: CacheDecision = { read: false, write: false };

const policies = new WeakMap<Config, CachePolicy>();

/** The policy of a config, compiled on first use (a reload brings a new config object). */
export function cachePolicyFor(config: Config): CachePolicy {
  const known = policies.get(config);
  if (known !== undefined) return known;
  const section = config.cache;
  const sharedScopes = new Map<string, string>();
  for (const [scope, tenants] of Object.entries(section.shared_scopes))
    for (const tenant of tenants) sharedScopes.set(tenant, scope);
  const policy: CachePolicy = {
    mode: section.mode,
    ttlMs: section.ttl_s * 1000,
    modelTtlMs: new Map(Object.entries(section.model_ttl_s).map(([name, ttlS]) => [name, ttlS * 1000])),
    maxEntryBytes: section.max_entry_bytes,
    sharedScopes,
  };
  policies.set(config, policy);
  return policy;
}

/** Whose entries a tenant reads: its own, or its shared scope's; `-` in single-user mode. */
export function cacheScope(policy: CachePolicy, tenantName: string | undefined): string {
  if (tenantName === undefined) return '-';
  const shared = policy.sharedScopes.get(tenantName);
  return shared === undefined ? `t:${tenantName}` : `s:${shared}`;
}

export function decideCache(
  policy: CachePolicy,
  request: ChatRequest,
  headers: IncomingHttpHeaders,
): CacheDecision {
  if (policy.mode === 'off') return BYPASS;
  const force = forceHeader(headers['x-switchyard-cache']);
  const control = headers['cache-control'];
  let read = true;
  if (control !== undefined) {
    const directives = control.toLowerCase();
    if (hasDirective(directives, 'no-store')) return BYPASS;
    if (hasDirective(directives, 'no-cache')) read = false;
  }
  if (request.logprobs === true) return BYPASS;
  if (!force && policy.mode === 'deterministic') {
    const seeded = request.seed !== undefined && request.seed !== null;
    if (request.temperature !== 0 && !seeded) return BYPASS;
  }
  const ttlMs = policy.modelTtlMs.get(request.model) ?? policy.ttlMs;
  if (ttlMs === 0) return BYPASS;
  return { read, write: true, ttlMs };
}

/** `force` opts in; a header that says anything else is a client mistake worth a clear 400. */
function forceHeader(value: string | string[] | undefined): boolean {
  if (value === undefined) return false;
  const text = (Array.isArray(value) ? value.join(',') : value).trim().toLowerCase();
  if (text === 'force') return true;
  throw invalidCacheDirective();
}

/** A directive of a Cache-Control list (`no-cache`, `max-age=0, no-store`), not a substring of another. */
function hasDirective(list: string, name: string): boolean {
  for (const part of list.split(',')) {
    const directive = part.trim();
    if (directive === name || directive.startsWith(`${name}=`)) return true;
  }
  return false;
}
