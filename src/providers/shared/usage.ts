/**
 * Usage in OpenAI's meaning (docs/providers.md §1.8): `prompt_tokens` counts every input token, cached ones
 * included; `completion_tokens` counts every output token, reasoning included. Adapters convert their
 * provider's counts into these totals first (each one's billing rule sits next to its conversion) and
 * then build the object here, so every provider's usage has the same shape down to the detail keys.
 */
import type { Usage } from '../../protocol/chat-response.ts';

export interface UsageCounts {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  /** Tokens written to a prompt cache (Anthropic `cache_creation_input_tokens`); part of promptTokens. */
  cacheWriteTokens?: number;
  /** The part of cacheWriteTokens written with a 1-hour TTL (Anthropic, billed at 2× input, not 1.25×). */
  cacheWrite1hTokens?: number;
  reasoningTokens?: number;
}

/**
 * Cache writes with a 1-hour TTL (`prompt_tokens_details.cache_write_1h_tokens`): not an OpenAI field, so
 * it is read through here. Only Anthropic reports them; 0 elsewhere.
 */
export function cacheWrite1hTokensOf(usage: Usage | undefined): number {
  const details = usage?.prompt_tokens_details as Record<string, number | undefined> | undefined;
  return details?.cache_write_1h_tokens ?? 0;
}

export function makeUsage(counts: UsageCounts): Usage {
  const usage: Usage = {
    prompt_tokens: counts.promptTokens,
    completion_tokens: counts.completionTokens,
    total_tokens: counts.promptTokens + counts.completionTokens,
    prompt_tokens_details: { cached_tokens: counts.cachedTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: counts.reasoningTokens ?? 0 },
  };
  if (counts.cacheWriteTokens !== undefined && counts.cacheWriteTokens > 0 && usage.prompt_tokens_details) {
    const details = usage.prompt_tokens_details as Record<string, number>;
    details.cache_write_tokens = counts.cacheWriteTokens;
    const oneHour = Math.min(counts.cacheWrite1hTokens ?? 0, counts.cacheWriteTokens);
    if (oneHour > 0) details.cache_write_1h_tokens = oneHour;
  }
  return usage;
}
