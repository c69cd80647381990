// The `cache` section (issue 14; docs/design.md §1 pins `mode` and `ttl_s`): the exact response cache.
// docs/configuration.md#cache explains every default.

import { z } from 'zod';
import { MIB, milliseconds, wholeNumber } from './values.ts';

export const CACHE_MODES = ['off', 'deterministic', 'all'] as const;

/** Thirty days: an answer older than that is better asked again, and markers outlive every entry. */
export const MAX_CACHE_TTL_S = 2_592_000;

export const CACHE_DEFAULTS = {
  mode: 'deterministic',
  ttlS: 3600,
  maxBytes: 64 * MIB,
  maxEntryBytes: MIB,
  redisTimeoutMs: 10,
} as const;

export const cacheSection = z
  .strictObject({
    // deterministic: only requests with temperature 0 or a seed (their answer is meant to repeat);
    // all: every request; off: no reads, no writes. `x-switchyard-cache: force` opts a request in.
    mode: z.enum(CACHE_MODES).default(CACHE_DEFAULTS.mode),
    ttl_s: wholeNumber(1, MAX_CACHE_TTL_S).default(CACHE_DEFAULTS.ttlS),
    // Per model name as clients send it (virtual or provider/model); 0 keeps that model out of the cache.
    model_ttl_s: z.record(z.string().min(1), wholeNumber(0, MAX_CACHE_TTL_S)).default(() => ({})),
    // The memory store's bound (state: memory); least recently used entries go first.
    max_bytes: wholeNumber(MIB, 64 * 1024 * MIB).default(CACHE_DEFAULTS.maxBytes),
    // An answer larger than this (serialized, before compression) is not stored.
    max_entry_bytes: wholeNumber(1024, 64 * MIB).default(CACHE_DEFAULTS.maxEntryBytes),
    // Tenants listed under one name read and write each other's entries; everyone else is alone.
    shared_scopes: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default(() => ({})),
    // A Redis cache read slower than this is a miss: a slow Redis must not slow the request.
    redis_timeout_ms: milliseconds.default(CACHE_DEFAULTS.redisTimeoutMs),
  })
  .superRefine((cache, ctx) => {
    const seen = new Map<string, string>();
    for (const [scope, tenants] of Object.entries(cache.shared_scopes)) {
      tenants.forEach((tenant, index) => {
        const other = seen.get(tenant);
        if (other !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['shared_scopes', scope, index],
            message: `tenant is already in shared scope "${other}": a tenant shares with one scope at most`,
          });
        seen.set(tenant, scope);
      });
    }
  })
  .prefault({});

export type CacheConfig = z.output<typeof cacheSection>;
