/**
 * From a validated Messages request to what the fake answers, before any wire format:
 *
 *   toFakeRequestView(request)             the provider-neutral view planReply works from
 *   toAnthropicReply(request, reply, ids)  content blocks, stop reason and usage in Anthropic's terms
 *
 * Content blocks come in the order Claude writes them: thinking (with a signature this fake can
 * verify when it comes back; empty text when `display` is omitted), a redacted_thinking block when
 * the user message carries Anthropic's test trigger, text, then tool_use blocks.
 * Usage follows §2.6: input split into uncached / cache-read / cache-written parts (prompt-cache.ts),
 * `output_tokens` including thinking, `output_tokens_details.thinking_tokens` breaking it out.
 */
import type { FakeReply, FakeRequestView } from '../shared/reply-plan.ts';
import { blockText, type PromptUsage } from './prompt-cache.ts';
import { REDACTED_THINKING_TRIGGER, redactedThinkingData, signThinking } from './thinking.ts';
import type { Block, MessagesRequest } from './validate.ts';

export type StopReason = 'end_turn' | 'stop_sequence' | 'max_tokens' | 'tool_use' | 'refusal';

export interface AnthropicUsageWire {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  output_tokens_details: { thinking_tokens: number };
  server_tool_use: null;
  service_tier: 'standard';
  inference_geo: 'global';
  speed: 'standard';
}

export interface AnthropicReply {
  content: Block[];
  stopReason: StopReason;
  stopSequence: string | null;
  usage: AnthropicUsageWire;
  /** Each tool call's input as generated JSON text, by id, for input_json_delta pieces. */
  toolJson: Record<string, string>;
}

export function toFakeRequestView(request: MessagesRequest): FakeRequestView {
  const last = request.turns.at(-1);
  const lastUser = request.turns.findLast((turn) => turn.role === 'user');
  const toolResults =
    last?.role === 'user' ? last.blocks.filter((block) => block.type === 'tool_result') : [];
  return {
    model: request.model.id,
    lastUserText:
      lastUser === undefined
        ? ''
        : lastUser.blocks
            .filter((b) => b.type === 'text')
            .map(blockText)
            .join('\n'),
    messageChars: 0, // prompt tokens come from prompt-cache.ts, which sees every segment
    tools: request.tools,
    toolChoice: request.toolChoice,
    lastMessageIsToolResult: toolResults.length > 0,
    toolResultText: toolResults.length > 0 ? toolResults.map(blockText).join('\n') : undefined,
    responseFormat: request.responseFormat,
    maxTokens: request.maxTokens,
    stop: request.stopSequences,
    reasoning: request.thinking.on,
    // A final assistant turn is a prefill: the answer continues it.
    assistantPrefix:
      last?.role === 'assistant'
        ? last.blocks
            .filter((b) => b.type === 'text')
            .map(blockText)
            .join('')
        : undefined,
  };
}

export interface ReplyContext {
  secret: string;
  prompt: PromptUsage;
  /** The stop sequence the reply was cut at, if it was (found by the caller from the unstopped plan). */
  stopSequence: string | null;
  /** Scripted usage (OpenAI meaning) wins over the simulated prompt usage. */
  scriptedUsage: { promptTokens?: number; cachedTokens?: number } | undefined;
}

export function toAnthropicReply(
  request: MessagesRequest,
  reply: FakeReply,
  context: ReplyContext,
): AnthropicReply {
  const content: Block[] = [];
  if (request.thinking.on && reply.reasoning !== undefined) {
    content.push({
      type: 'thinking',
      thinking: request.thinking.display === 'omitted' ? '' : reply.reasoning,
      signature: signThinking(
        context.secret,
        request.thinking.display === 'omitted' ? '' : reply.reasoning,
        request.model,
      ),
    });
  }
  const lastUserText = toFakeRequestView(request).lastUserText;
  if (request.thinking.on && lastUserText.includes(REDACTED_THINKING_TRIGGER)) {
    content.push({ type: 'redacted_thinking', data: redactedThinkingData(context.secret, lastUserText) });
  }
  if (reply.content !== '') content.push({ type: 'text', text: reply.content });
  const toolJson: Record<string, string> = {};
  for (const call of reply.toolCalls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.name, input: parseInput(call.arguments) });
    toolJson[call.id] = call.arguments;
  }

  const stopReason: StopReason =
    reply.finishReason === 'length'
      ? 'max_tokens'
      : reply.finishReason === 'tool_calls'
        ? 'tool_use'
        : reply.finishReason === 'content_filter'
          ? 'refusal'
          : context.stopSequence !== null
            ? 'stop_sequence'
            : 'end_turn';

  const prompt = context.prompt;
  let read = prompt.cacheReadTokens;
  let write5m = prompt.cacheWrite5mTokens;
  let write1h = prompt.cacheWrite1hTokens;
  let total = prompt.totalTokens;
  if (
    context.scriptedUsage?.promptTokens !== undefined ||
    context.scriptedUsage?.cachedTokens !== undefined
  ) {
    total = context.scriptedUsage.promptTokens ?? total;
    read = context.scriptedUsage.cachedTokens ?? 0;
    write5m = 0;
    write1h = 0;
  }
  return {
    content,
    toolJson,
    stopReason,
    stopSequence: stopReason === 'stop_sequence' ? context.stopSequence : null,
    usage: {
      input_tokens: Math.max(0, total - read - write5m - write1h),
      cache_creation_input_tokens: write5m + write1h,
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
      output_tokens: reply.usage.completionTokens,
      output_tokens_details: { thinking_tokens: request.thinking.on ? reply.usage.reasoningTokens : 0 },
      server_tool_use: null,
      service_tier: 'standard',
      inference_geo: 'global',
      speed: 'standard',
    },
  };
}

/** Tool input is an object on the wire; arguments cut by max_tokens are not valid JSON, the API sends {}. */
function parseInput(args: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {}; // truncated arguments: the stream shows the partial JSON, the message an empty input
  }
}
