/**
 * Mistral response mapping (docs/providers.md §4.3). Reasoning models answer with content chunk arrays
 * (`thinking` then `text`), tool calls may lack `type` and carry object arguments, and the finish
 * reasons include `model_length` and `error`; the shared dialect normalizer applies these mappers.
 */
import type { FinishReason, Usage } from '../../protocol/chat-response.ts';
import type { OpenAIDialect } from '../shared/openai-dialect/dialect.ts';
import { fromDialectResponse } from '../shared/openai-dialect/response.ts';
import { makeUsage } from '../shared/usage.ts';
import type { TranslatedResponse, TranslationContext, UpstreamFailure } from '../types.ts';
import { mistralInBandFailure } from './errors.ts';
import type { MistralUsage } from './wire.ts';

export function mapMistralFinishReason(raw: string): FinishReason {
  switch (raw) {
    case 'stop':
    case 'length':
    case 'tool_calls':
      return raw;
    // The model hit its own context length rather than max_tokens: for the client it is still `length`.
    case 'model_length':
      return 'length';
    default:
      return 'stop';
  }
}

/** `error`: Mistral stopped because generation failed; the answer is not complete (retry as server). */
export function mistralFinishFailure(raw: string): UpstreamFailure | undefined {
  if (raw !== 'error') return undefined;
  return {
    errorClass: 'server',
    status: 200,
    message: 'mistral stopped the answer with finish_reason "error"',
    code: raw,
    param: null,
    retryAfterMs: undefined,
  };
}

/**
 * §4.3: Mistral's counts already have OpenAI's meaning (prompt includes cached, completion includes
 * reasoning). The cached count arrives as `prompt_tokens_details.cached_tokens` or, from older
 * deployments, `num_cached_tokens`.
 */
export function mapMistralUsage(raw: MistralUsage): Usage | undefined {
  const prompt = count(raw.prompt_tokens);
  const completion = count(raw.completion_tokens);
  if (prompt === undefined && completion === undefined) return undefined;
  return makeUsage({
    promptTokens: prompt ?? 0,
    completionTokens: completion ?? 0,
    cachedTokens: count(raw.prompt_tokens_details?.cached_tokens) ?? count(raw.num_cached_tokens) ?? 0,
    reasoningTokens: count(raw.completion_tokens_details?.reasoning_tokens) ?? 0,
  });
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export const mistralDialect: OpenAIDialect = {
  provider: 'mistral',
  mapFinishReason: mapMistralFinishReason,
  finishFailure: mistralFinishFailure,
  mapUsage: (raw) => mapMistralUsage(raw as MistralUsage),
  inBandFailure: mistralInBandFailure,
};

export function fromMistralResponse(bodyText: string, ctx: TranslationContext): TranslatedResponse {
  return fromDialectResponse(bodyText, mistralDialect, ctx);
}
