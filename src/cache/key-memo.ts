/**
 * The cache keys of request bodies that hit (issue 14). A repeated prompt usually arrives as the same
 * bytes (the same client code, the same SDK), so a body that hit once is remembered with its key, and the
 * same body again skips the key's canonical text and SHA-256: 4.4–5.4 µs of a ~90 µs hit on the bench
 * (docs/performance.md). Only hits are remembered, so a miss pays one map lookup, never an insert.
 *
 * The key is a function of the body's text, the config snapshot and the tenant: the snapshot resolves the
 * model (its revision) and the policies, the tenant picks the scope and may rewrite the request before
 * the key is taken (its input guard). So a memo belongs to one snapshot (a reload starts an empty one;
 * the old goes with its snapshot) and an entry answers only for the tenant object that made it, the same
 * identity the guardrail and limit policies are memoized by. A stage that changed the request from
 * anything else (a header, say) before the cache stage would have to be part of this check.
 */
import { LRUCache } from 'lru-cache';
import type { CompiledTenant, Snapshot } from '../config/compile.ts';

/** Longer bodies are not remembered: their text would crowd out many short ones. */
const MAX_BODY_CHARS = 64 * 1024;
/** The memo's bound, in characters of the bodies it keeps, with each entry's bookkeeping. */
const MAX_MEMO_CHARS = 4 * 1024 * 1024;
const ENTRY_OVERHEAD_CHARS = 128;

interface Remembered {
  readonly tenant: CompiledTenant | undefined;
  readonly key: string;
}

export class KeyMemo {
  readonly #entries = new LRUCache<string, Remembered>({
    maxSize: MAX_MEMO_CHARS,
    sizeCalculation: (_value, body) => body.length + ENTRY_OVERHEAD_CHARS,
  });

  /** The key this body had for this tenant, when it hit before. */
  get(body: string, tenant: CompiledTenant | undefined): string | undefined {
    const remembered = this.#entries.get(body);
    return remembered !== undefined && remembered.tenant === tenant ? remembered.key : undefined;
  }

  /** The body hit under `key`: the next time it comes from this tenant, the key is known. */
  remember(body: string, tenant: CompiledTenant | undefined, key: string): void {
    if (body.length <= MAX_BODY_CHARS) this.#entries.set(body, { tenant, key });
  }
}

const memos = new WeakMap<Snapshot, KeyMemo>();

export function keyMemoFor(snapshot: Snapshot): KeyMemo {
  let memo = memos.get(snapshot);
  if (memo === undefined) {
    memo = new KeyMemo();
    memos.set(snapshot, memo);
  }
  return memo;
}
