/**
 * toChatCompletion(replies, meta): the non-streamed `chat.completion` object (docs/providers.md §1.6),
 * one choice per reply. Key order follows the recorded response (openai-text.json).
 *
 * Reasoning text is never returned: Chat Completions hides it and reports only reasoning_tokens.
 */
import type { ChatCompletion, ChatCompletionMessage } from 'openai/resources/chat/completions';
import type { FakeReply } from '../shared/reply-plan.ts';
import { splitTokens } from '../shared/tokens.ts';
import { tokenLogprobs } from './logprobs.ts';
import { toOpenAIUsage } from './usage.ts';

export interface CompletionMeta {
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model name to report (a dated snapshot for aliases). */
  model: string;
  serviceTier: 'default' | 'flex' | 'scale' | 'priority';
  systemFingerprint: string;
  /** undefined when the request did not ask for logprobs. */
  topLogprobs?: number;
}

export function toChatCompletion(replies: readonly FakeReply[], meta: CompletionMeta): ChatCompletion {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: replies.map((reply, index) => ({
      index,
      message: toMessage(reply),
      logprobs:
        meta.topLogprobs === undefined
          ? null
          : {
              content: tokenLogprobs(splitTokens(reply.content), meta.topLogprobs, `${meta.model}:${index}`),
              refusal: null,
            },
      finish_reason: reply.finishReason,
    })),
    usage: toOpenAIUsage(replies),
    service_tier: meta.serviceTier,
    system_fingerprint: meta.systemFingerprint,
  };
}

function toMessage(reply: FakeReply): ChatCompletionMessage {
  const toolCalls = reply.toolCalls ?? [];
  const message: ChatCompletionMessage = {
    role: 'assistant',
    // A tool-call turn without text has content null on the wire, not "".
    content: toolCalls.length > 0 && reply.content === '' ? null : reply.content,
    refusal: null,
    annotations: [],
  };
  if (toolCalls.length > 0) {
    message.tool_calls = toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return message;
}
