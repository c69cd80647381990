/**
 * A line's stored target (`provider/model`) back to what the aggregator calls: the provider as the
 * current config compiles it, the adapter call for its first key, and the request as the adapter
 * builds it. A target whose provider left the config resolves to undefined (its lines fail).
 */
import { randomBytes } from 'node:crypto';
import {
  type CompiledProvider,
  type CompiledTarget,
  resolveModel,
  type Snapshot,
} from '../config/compile.ts';
import { parseChatRequest } from '../pipeline/validate.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { AdapterCall, TranslationContext, UpstreamRequest } from '../providers/types.ts';

export interface ResolvedTarget {
  provider: CompiledProvider;
  call: AdapterCall;
  upstreamModel: string;
  /** The compiled target, as the live stages take it (output moderation, batch/guard.ts). */
  compiled: CompiledTarget;
}

export function resolveTarget(snapshot: Snapshot, target: string): ResolvedTarget | undefined {
  const compiled = resolveModel(snapshot, target)?.targets[0];
  const headers = compiled?.provider.keyHeaders[0];
  if (compiled === undefined || headers === undefined) return undefined;
  return {
    provider: compiled.provider,
    call: { target: compiled.adapterTarget, headers },
    upstreamModel: compiled.adapterTarget.model,
    compiled,
  };
}

/** The stored line body → the adapter's request for this target (throws a GatewayError if untranslatable). */
export function upstreamRequest(
  target: ResolvedTarget,
  stored: string,
): { request: ChatRequest; upstream: UpstreamRequest } {
  const request = parseChatRequest(Buffer.from(stored));
  return { request, upstream: target.provider.adapter.toRequest(request, target.call, false) };
}

export function translationContext(request: ChatRequest, nowMs: number): TranslationContext {
  return {
    completionId: `chatcmpl-${randomBytes(12).toString('hex')}`,
    created: Math.floor(nowMs / 1000),
    request,
  };
}

/** The custom id a line travels upstream under: unique store-wide, so tenants' own ids never collide. */
export function upstreamCustomId(lineId: number): string {
  return `sy_${lineId}`;
}

export function lineIdOf(customId: string): number | undefined {
  if (!customId.startsWith('sy_')) return undefined;
  const id = Number(customId.slice(3));
  return Number.isSafeInteger(id) ? id : undefined;
}
