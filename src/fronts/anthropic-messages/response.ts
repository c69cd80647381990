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
  output_tokens: number;
}

/** Anthropic counts cached tokens apart from `input_tokens`; OpenAI's prompt_tokens include them. */
export function anthropicUsage(usage: Usage | undefined | null): AnthropicUsageOut {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
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
