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
  reasoningTokens?: number;
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
    (usage.prompt_tokens_details as Record<string, number>).cache_write_tokens = counts.cacheWriteTokens;
  }
  return usage;
}
