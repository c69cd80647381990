/**
 * The `state` setting (docs/design.md §1) to a store: `memory`, or a Redis in any form of redis-target.ts
 * (`redis://`, `rediss://`, `redis-cluster://h1:p1,h2:p2`, `redis-sentinel://h1:p1,h2:p2/mastername`).
 * The store lives as long as the gateway process; a reload that changes `state` takes effect at the
 * next start. Limits wrap a Redis store in FallbackState (fallback-state.ts), wired with the config.
 */
import { MemoryState } from './memory.ts';
import { RedisState } from './redis.ts';
import type { StateStore } from './types.ts';

export function createStateStore(setting: string): StateStore {
  if (setting === 'memory') return new MemoryState();
  return new RedisState(setting);
}
