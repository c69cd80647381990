/**
 * The backend instance for a policy: one per config snapshot and backend/target pair, built on first use.
 */
import type { Snapshot } from '../../config/compile.ts';
import type { ModerationPolicy } from '../policy.ts';
import { LlamaGuardModeration } from './llama-guard.ts';
import { LocalModeration } from './local.ts';
import { OpenAIModeration } from './openai-moderation.ts';
import type { ModerationBackend } from './types.ts';

const LOCAL = new LocalModeration();
const bySnapshot = new WeakMap<Snapshot, Map<string, ModerationBackend>>();

/** undefined when moderation is off. */
export function moderationBackendFor(
  snapshot: Snapshot,
  policy: ModerationPolicy,
): ModerationBackend | undefined {
  if (policy.backend === 'off') return undefined;
  if (policy.backend === 'local') return LOCAL;
  const key = `${policy.backend}\n${policy.target ?? ''}\n${policy.timeoutMs}`;
  let backends = bySnapshot.get(snapshot);
  if (backends === undefined) {
    backends = new Map();
    bySnapshot.set(snapshot, backends);
  }
  let backend = backends.get(key);
  if (backend === undefined) {
    const target = policy.target ?? '';
    backend =
      policy.backend === 'llama-guard'
        ? new LlamaGuardModeration(snapshot, target, policy.timeoutMs)
        : new OpenAIModeration(snapshot, target, policy.timeoutMs);
    backends.set(key, backend);
  }
  return backend;
}
