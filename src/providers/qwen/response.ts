/**
 * Qwen response mapping (docs/providers.md §6.4). The body is OpenAI's with `reasoning_content` (already
 * our field name) and Qwen's cache counters; the shared dialect normalizer does the rest.
 */
import type { FinishReason, Usage } from '../../protocol/chat-response.ts';
import type { OpenAIDialect } from '../shared/openai-dialect/dialect.ts';
import { fromDialectResponse } from '../shared/openai-dialect/response.ts';
import { makeUsage } from '../shared/usage.ts';
import type { TranslatedResponse, TranslationContext } from '../types.ts';
import { qwenInBandFailure } from './errors.ts';
import type { QwenUsage } from './wire.ts';

export function mapQwenFinishReason(raw: string): FinishReason {
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

/**
 * §6.4: Qwen's counts already have OpenAI's meaning — `prompt_tokens` includes cache hits
 * (`cached_tokens`, billed at the cache rate) and explicit-cache writes (`cache_creation_input_tokens`,
 * billed above the input rate), `completion_tokens` includes the reasoning.
 */
export function mapQwenUsage(raw: QwenUsage): Usage | undefined {
  const prompt = count(raw.prompt_tokens);
  const completion = count(raw.completion_tokens);
  if (prompt === undefined && completion === undefined) return undefined;
  const cacheWrite = count(raw.prompt_tokens_details?.cache_creation_input_tokens);
  return makeUsage({
    promptTokens: prompt ?? 0,
    completionTokens: completion ?? 0,
    cachedTokens: count(raw.prompt_tokens_details?.cached_tokens) ?? 0,
    ...(cacheWrite !== undefined ? { cacheWriteTokens: cacheWrite } : {}),
    reasoningTokens: count(raw.completion_tokens_details?.reasoning_tokens) ?? 0,
  });
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export const qwenDialect: OpenAIDialect = {
  provider: 'qwen',
  mapFinishReason: mapQwenFinishReason,
  finishFailure: () => undefined,
  mapUsage: (raw) => mapQwenUsage(raw as QwenUsage),
  inBandFailure: qwenInBandFailure,
};

export function fromQwenResponse(bodyText: string, ctx: TranslationContext): TranslatedResponse {
  return fromDialectResponse(bodyText, qwenDialect, ctx);
}
