/**
 * The normalized answer (an OpenAI chat completion) to Anthropic's Message (docs/providers.md §2.5,
 * §2.6): the mirror of providers/anthropic/response.ts.
 *
 *   reasoning_content (+ reasoning_signature)  → a thinking block (the signature carried opaquely)
 *   content                                    → a text block
 *   tool_calls                                 → tool_use blocks, arguments parsed to `input`
 *   finish_reason                              → stop_reason
 *   usage                                      → input_tokens without the cached part, cache reads
 */
import type { ChatCompletion, FinishReason, Usage } from '../../protocol/chat-response.ts';
import { cacheWrite1hTokensOf } from '../../providers/shared/usage.ts';

export function anthropicStopReason(finishReason: FinishReason | null | undefined): string {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

export interface AnthropicUsageOut {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
}

/**
 * Anthropic counts cache reads and cache writes apart from `input_tokens`; OpenAI's prompt_tokens include
 * both (docs/providers.md §2.6), so they come out of it here, and the writes are split by TTL as
 * Anthropic's own `cache_creation` is.
 */
export function anthropicUsage(usage: Usage | undefined | null): AnthropicUsageOut {
  const prompt = usage?.prompt_tokens ?? 0;
  const cached = Math.min(usage?.prompt_tokens_details?.cached_tokens ?? 0, prompt);
  const written = Math.min(usage?.prompt_tokens_details?.cache_write_tokens ?? 0, prompt - cached);
  const writtenFor1h = Math.min(cacheWrite1hTokensOf(usage ?? undefined), written);
  return {
    input_tokens: prompt - cached - written,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cached,
    cache_creation: {
      ephemeral_5m_input_tokens: written - writtenFor1h,
      ephemeral_1h_input_tokens: writtenFor1h,
    },
    output_tokens: usage?.completion_tokens ?? 0,
  };
}

/** `msg_` ids, as the SDKs and tools that log them expect; the rest of the id is the completion's. */
export function messageId(completionId: string): string {
  return `msg_${completionId.replace(/^chatcmpl-/, '')}`;
}

/** Tool arguments the model wrote as JSON; a malformed string is kept whole rather than dropped. */
export function toolInput(argumentsText: string): unknown {
  if (argumentsText.trim() === '') return {};
  try {
    const input: unknown = JSON.parse(argumentsText);
    return input !== null && typeof input === 'object' && !Array.isArray(input) ? input : { value: input };
  } catch {
    return { _raw_arguments: argumentsText };
  }
}

export function toAnthropicMessage(completion: ChatCompletion): Record<string, unknown> {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: Array<Record<string, unknown>> = [];
  const reasoning = message?.reasoning_content;
  const signature = message?.reasoning_signature;
  if ((reasoning != null && reasoning !== '') || (signature != null && signature !== ''))
    content.push({ type: 'thinking', thinking: reasoning ?? '', signature: signature ?? '' });
  const text = message?.content;
  if (text != null && text !== '') content.push({ type: 'text', text, citations: null });
  const refusal = message?.refusal;
  if (refusal != null && refusal !== '') content.push({ type: 'text', text: refusal, citations: null });
  for (const call of message?.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: toolInput(call.function.arguments),
    });
  }
  return {
    id: messageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: anthropicStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(completion.usage),
  };
}
