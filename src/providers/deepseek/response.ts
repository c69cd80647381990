/**
 * DeepSeek response mapping (docs/providers.md §5.3). The body is OpenAI's plus `reasoning_content`, which
 * is already our field name, and two cache counters in usage; the shared dialect normalizer does the
 * rest.
 */
import type { FinishReason, Usage } from '../../protocol/chat-response.ts';
import type { OpenAIDialect } from '../shared/openai-dialect/dialect.ts';
import { fromDialectResponse } from '../shared/openai-dialect/response.ts';
import { makeUsage } from '../shared/usage.ts';
import type { TranslatedResponse, TranslationContext, UpstreamFailure } from '../types.ts';
import { deepSeekInBandFailure } from './errors.ts';
import type { DeepSeekUsage } from './wire.ts';

export function mapDeepSeekFinishReason(raw: string): FinishReason {
  switch (raw) {
    case 'stop':
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return raw;
    default:
      return 'stop';
  }
}

/** §5.3 `insufficient_system_resource`: DeepSeek ran out of capacity mid-answer; another target may not. */
export function deepSeekFinishFailure(raw: string): UpstreamFailure | undefined {
  if (raw !== 'insufficient_system_resource') return undefined;
  return {
    errorClass: 'overloaded',
    status: 200,
    message: 'deepseek stopped the answer early: insufficient system resource',
    code: raw,
    param: null,
    retryAfterMs: undefined,
  };
}

/**
 * §5.3: `prompt_tokens` already counts cache hits and misses (hit + miss = prompt), and
 * `completion_tokens` already counts the reasoning, which is OpenAI's meaning. Only the cached count
 * moves: `prompt_cache_hit_tokens` is the billing figure (cache hits are billed at the cheaper rate),
 * `prompt_tokens_details.cached_tokens` its OpenAI-style copy.
 */
export function mapDeepSeekUsage(raw: DeepSeekUsage): Usage | undefined {
  const hit = count(raw.prompt_cache_hit_tokens) ?? count(raw.prompt_tokens_details?.cached_tokens) ?? 0;
  const miss = count(raw.prompt_cache_miss_tokens);
  const prompt = count(raw.prompt_tokens) ?? (miss !== undefined ? hit + miss : undefined);
  const completion = count(raw.completion_tokens);
  if (prompt === undefined && completion === undefined) return undefined;
  return makeUsage({
    promptTokens: prompt ?? 0,
    completionTokens: completion ?? 0,
    cachedTokens: hit,
    reasoningTokens: count(raw.completion_tokens_details?.reasoning_tokens) ?? 0,
  });
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export const deepSeekDialect: OpenAIDialect = {
  provider: 'deepseek',
  mapFinishReason: mapDeepSeekFinishReason,
  finishFailure: deepSeekFinishFailure,
  mapUsage: (raw) => mapDeepSeekUsage(raw as DeepSeekUsage),
  inBandFailure: deepSeekInBandFailure,
};

export function fromDeepSeekResponse(bodyText: string, ctx: TranslationContext): TranslatedResponse {
  return fromDialectResponse(bodyText, deepSeekDialect, ctx);
}
