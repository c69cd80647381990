/**
 * Messages for the dialects that take OpenAI's own message format (DeepSeek, Qwen): rebuilt field by
 * field from the validated request, so a stray field on a client message (an SDK's `cache_control`,
 * another provider's `reasoning_signature`) never reaches a provider that might reject it. Mistral's
 * format differs enough (content chunks, 9-character tool-call ids) to have its own builder.
 */
import type {
  ChatCompletionContentPart,
  ChatCompletionContentPartText,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { unsupportedParameter } from '../../../errors/codes.ts';
import type { ChatMessage } from '../../../protocol/chat-request.ts';
import { textOf } from './request.ts';

/** An assistant message as DeepSeek and Qwen take it: OpenAI's plus the reasoning of that turn. */
export type DialectAssistantParam = Extract<ChatCompletionMessageParam, { role: 'assistant' }> & {
  reasoning_content?: string;
};

export type DialectMessageParam =
  | Exclude<ChatCompletionMessageParam, { role: 'assistant' }>
  | DialectAssistantParam;

export interface OpenAIFormOptions {
  provider: string;
  /**
   * The `reasoning_content` to send back on the assistant message at `index`, or undefined to leave it
   * out: each provider has its own rule (DeepSeek §5.2 requires it after tool calls; Qwen ignores it).
   */
  reasoningFor(message: Extract<ChatMessage, { role: 'assistant' }>, index: number): string | undefined;
  /** Qwen's explicit prompt cache marks content parts with `cache_control` (docs/providers.md §6.3). */
  keepCacheControl: boolean;
}

export function toOpenAIFormMessages(
  messages: readonly ChatMessage[],
  options: OpenAIFormOptions,
): DialectMessageParam[] {
  const out: DialectMessageParam[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message === undefined) continue;
    switch (message.role) {
      case 'system':
      case 'developer': {
        // Neither DeepSeek nor Qwen documents the `developer` role; it means `system` to them.
        const param: DialectMessageParam = { role: 'system', content: textParts(message.content, options) };
        if (message.name !== undefined) param.name = message.name;
        out.push(param);
        break;
      }
      case 'user': {
        const param: DialectMessageParam = {
          role: 'user',
          content:
            typeof message.content === 'string'
              ? message.content
              : message.content.map((part) => userPart(part, options)),
        };
        if (message.name !== undefined) param.name = message.name;
        out.push(param);
        break;
      }
      case 'assistant': {
        const param: DialectAssistantParam = { role: 'assistant', content: assistantText(message.content) };
        if (message.name !== undefined) param.name = message.name;
        if (message.tool_calls !== undefined && message.tool_calls.length > 0) {
          param.tool_calls = message.tool_calls.map(
            (call): ChatCompletionMessageFunctionToolCall => ({
              id: call.id,
              type: 'function',
              function: { name: call.function.name, arguments: call.function.arguments },
            }),
          );
        }
        const reasoning = options.reasoningFor(message, i);
        if (reasoning !== undefined) param.reasoning_content = reasoning;
        out.push(param);
        break;
      }
      case 'tool':
        out.push({ role: 'tool', tool_call_id: message.tool_call_id, content: textOf(message.content) });
        break;
      case 'function':
        throw unsupportedParameter(
          `messages[${i}].role`,
          options.provider,
          "the deprecated 'function' role is not supported; use 'tool'",
        );
    }
  }
  return out;
}

function textParts(
  content: string | ReadonlyArray<{ type: 'text'; text: string }>,
  options: OpenAIFormOptions,
): string | ChatCompletionContentPartText[] {
  if (typeof content === 'string') return content;
  return content.map((part) => textPart(part, options));
}

function textPart(
  part: { type: 'text'; text: string },
  options: OpenAIFormOptions,
): ChatCompletionContentPartText {
  const out: ChatCompletionContentPartText & { cache_control?: unknown } = { type: 'text', text: part.text };
  const cacheControl = (part as { cache_control?: unknown }).cache_control;
  if (options.keepCacheControl && cacheControl !== undefined) out.cache_control = cacheControl;
  return out;
}

function userPart(
  part: Extract<ChatMessage, { role: 'user' }>['content'][number],
  options: OpenAIFormOptions,
): ChatCompletionContentPart {
  if (typeof part === 'string') return { type: 'text', text: part };
  switch (part.type) {
    case 'text':
      return textPart(part, options);
    case 'image_url': {
      const image: ChatCompletionContentPart = { type: 'image_url', image_url: { url: part.image_url.url } };
      if (part.image_url.detail !== undefined) image.image_url.detail = part.image_url.detail;
      return image;
    }
    case 'input_audio':
      return {
        type: 'input_audio',
        input_audio: { data: part.input_audio.data, format: part.input_audio.format as 'wav' | 'mp3' },
      };
    case 'file':
      throw unsupportedParameter(
        'messages[].content[].file',
        options.provider,
        "'file' content parts are not supported",
      );
  }
}

/** Assistant history as a string: refusal parts are what the model said, so they stay as text. */
function assistantText(content: Extract<ChatMessage, { role: 'assistant' }>['content']): string | null {
  if (content === undefined || content === null) return null;
  return textOf(content);
}
