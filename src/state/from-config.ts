/**
 * The `state` setting (docs/design.md §1) to a store: `memory`, or a `redis://` / `rediss://` URL. The store
 * lives as long as the gateway process; a reload that changes `state` takes effect at the next start.
 */
import { MemoryState } from './memory.ts';
import { RedisState } from './redis.ts';
import type { StateStore } from './types.ts';

export function createStateStore(setting: string): StateStore {
  if (setting === 'memory') return new MemoryState();
  return new RedisState(setting);
}
