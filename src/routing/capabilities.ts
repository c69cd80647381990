/**
 * Can this target serve this request? Reads the adapter's declared capabilities (providers/types.ts)
 * and the model's context window (prices.ts). Only what the request actually uses is checked; a
 * `rejected` capability is the one case an adapter would refuse, `ignored` and `emulated` still serve.
 */
import type { CompiledTarget } from '../config/compile.ts';
import type { RequestShape } from './request-shape.ts';

export function canServe(target: CompiledTarget, shape: RequestShape): boolean {
  const capabilities = target.provider.adapter.capabilities;
  if (shape.tools && capabilities.tools === 'rejected') return false;
  if (shape.images && capabilities.images === 'rejected') return false;
  if (shape.audio && capabilities.audio === 'rejected') return false;
  if (shape.jsonSchema && capabilities.jsonSchema === 'rejected') return false;
  if (shape.jsonObject && capabilities.jsonObject === 'rejected') return false;
  return fitsContext(target, shape.promptTokens + (shape.maxOutputTokens ?? 0));
}

/** True when the target's window holds `tokens`, or its window is unknown. */
export function fitsContext(target: CompiledTarget, tokens: number): boolean {
  const window = target.info?.contextWindow;
  return window === undefined || tokens <= window;
}
