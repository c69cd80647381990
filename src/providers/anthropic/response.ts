/**
 * An Anthropic `Message` (docs/providers.md §2.5) as an OpenAI `chat.completion`.
 *
 * - text blocks join into `content` (null when the turn is only tool calls, as OpenAI sends it);
 * - thinking blocks go to `reasoning_content`, never into `content`, and with redacted_thinking
 *   blocks into `reasoning_signature` so the client sends them back (signature.ts);
 * - tool_use blocks become function tool calls with `arguments` = the JSON text of `input`;
 * - server-tool blocks (web search, code execution) ran on Anthropic's side and have no OpenAI
 *   shape: they are left out, and the text Claude wrote about them stays.
 * The id and `created` come from the context so every gateway response looks alike; the upstream's
 * `msg_…` id is in the upstream's `request-id` log line anyway.
 */
import type {
  ChatCompletion,
  ChatCompletionMessage,
  FinishReason,
  Usage,
} from '../../protocol/chat-response.ts';
import { makeUsage } from '../shared/usage.ts';
import { type TranslatedResponse, type TranslationContext, UpstreamProtocolError } from '../types.ts';
import { encodeThinkingState, type ThinkingBlock } from './signature.ts';
import type { AnthropicMessage, AnthropicUsage } from './wire.ts';

type ToolCall = NonNullable<ChatCompletionMessage['tool_calls']>[number];

export function fromAnthropicResponse(bodyText: string, ctx: TranslationContext): TranslatedResponse {
  let message: AnthropicMessage;
  try {
    message = JSON.parse(bodyText) as AnthropicMessage;
  } catch (cause) {
    throw new UpstreamProtocolError('Anthropic sent a response body that is not JSON', { cause });
  }
  if (
    message === null ||
    typeof message !== 'object' ||
    message.type !== 'message' ||
    !Array.isArray(message.content)
  ) {
    throw new UpstreamProtocolError('Anthropic response is not a message with a content array');
  }

  let text = '';
  let reasoning = '';
  const thinking: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    switch (block.type) {
      case 'text':
        text += block.text;
        break;
      case 'thinking':
        reasoning += block.thinking;
        thinking.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        break;
      case 'redacted_thinking':
        thinking.push({ type: 'redacted_thinking', data: block.data });
        break;
      case 'tool_use':
        toolCalls.push({
          id: block.id,
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      default:
        break; // server-tool blocks: executed upstream, nothing for the client to run
    }
  }

  const finishReason = mapAnthropicStopReason(message.stop_reason);
  const out: ChatCompletionMessage = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (thinking.length > 0) {
    out.reasoning_content = reasoning;
    out.reasoning_signature = encodeThinkingState({ model: message.model, blocks: thinking });
  }
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  const usage = mapAnthropicUsage(message.usage ?? {});
  const completion: ChatCompletion = {
    id: ctx.completionId,
    object: 'chat.completion',
    created: ctx.created,
    model: message.model,
    choices: [{ index: 0, message: out, logprobs: null, finish_reason: finishReason }],
    usage,
  };
  return {
    completion,
    body: JSON.stringify(completion),
    usage,
    finishReason,
    rawFinishReason: message.stop_reason === finishReason ? null : message.stop_reason,
  };
}

/** docs/providers.md §2.5. Unknown (newer) values finish as `stop`; the raw value goes to the log. */
export function mapAnthropicStopReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    // pause_turn: a long server-tool turn paused; the text so far is a complete answer to show, and
    // resending to continue is the client's choice, as with `stop`.
    case 'pause_turn':
      return 'stop';
    default:
      return 'stop';
  }
}

/**
 * Anthropic counts input in three disjoint parts: `input_tokens` (after the last cache breakpoint),
 * `cache_read_input_tokens` and `cache_creation_input_tokens` (docs/providers.md §2.6). OpenAI's
 * `prompt_tokens` is all input, cached included, so it is their sum; `cached_tokens` is the cache
 * read (billed at 0.1×) and `cache_write_tokens` the cache creation (billed at 1.25× or 2×, the 2× part
 * in `cache_write_1h_tokens`), so the cost stage can price each part. `output_tokens` already includes thinking, as OpenAI's
 * `completion_tokens` includes reasoning; newer responses break thinking out in
 * `output_tokens_details.thinking_tokens`.
 */
export function mapAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return makeUsage({
    promptTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite,
    completionTokens: usage.output_tokens ?? 0,
    cachedTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    reasoningTokens: usage.output_tokens_details?.thinking_tokens ?? 0,
  });
}
