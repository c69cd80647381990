/**
 * toOpenAIUsage(replies): one usage object for all choices of a completion (docs/providers.md §1.8).
 * The prompt is billed once, completions add up across choices; completion_tokens includes the
 * reasoning tokens, as OpenAI reports them.
 */
import type { CompletionUsage } from 'openai/resources/completions';
import type { FakeReply } from '../shared/reply-plan.ts';

export function toOpenAIUsage(replies: readonly FakeReply[]): CompletionUsage {
  const first = replies[0]?.usage;
  const prompt = first?.promptTokens ?? 0;
  const completion = replies.reduce((sum, r) => sum + r.usage.completionTokens, 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: first?.cachedTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: replies.reduce((sum, r) => sum + r.usage.reasoningTokens, 0),
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}
