/**
 * OpenAI `messages` to Anthropic `system` + `messages` (docs/providers.md §2.2, §2.3, §2.13).
 *
 * - `system` and `developer` messages, wherever they sit, become top-level `system` text blocks in
 *   order: the Messages API has no system role in `messages` (Opus 4.8's mid-conversation system
 *   messages are the one exception, and no other model takes them).
 * - Turns alternate user/assistant: consecutive same-role messages merge into one turn, and `tool`
 *   messages become `tool_result` blocks in a user turn, ahead of any user text in that turn (the
 *   API wants the results first, right after the assistant turn that called the tools).
 * - Empty text is dropped: the API rejects empty text blocks, OpenAI clients send `""` freely.
 * - The assistant's `reasoning_signature` (signature.ts) becomes its thinking blocks again, first in
 *   the turn as Claude wrote them, if the same model wrote them.
 */
import type { ChatMessage, ChatRequest, UserContentPart } from '../../protocol/chat-request.ts';
import { invalidRequest, unsupportedParameter } from '../../errors/codes.ts';
import { sameAnthropicModel } from './models.ts';
import { decodeThinkingState } from './signature.ts';
import type {
  Base64ImageSource,
  ContentBlockParam,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
} from './wire.ts';

const PROVIDER = 'anthropic';

export interface AnthropicPrompt {
  system: TextBlockParam[];
  messages: MessageParam[];
}

type Role = 'user' | 'assistant';
interface Turn {
  role: Role;
  blocks: ContentBlockParam[];
}

export function toAnthropicPrompt(request: ChatRequest, targetModel: string): AnthropicPrompt {
  const system: TextBlockParam[] = [];
  const turns: Turn[] = [];
  request.messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        appendText(system, message.content, `${param}.content`);
        break;
      case 'user':
        appendToTurn(turns, 'user', userBlocks(message.content, param));
        break;
      case 'assistant':
        appendToTurn(turns, 'assistant', assistantBlocks(message, param, targetModel));
        break;
      case 'tool':
        appendToolResult(turns, toolResult(message, param));
        break;
      case 'function':
        throw unsupportedParameter(
          `${param}.role`,
          PROVIDER,
          "the deprecated 'function' role has no equivalent; use tools and 'tool' messages",
        );
    }
  });
  if (turns.length === 0) {
    throw invalidRequest(
      'Anthropic needs at least one user or assistant message with content besides system messages.',
      'messages',
    );
  }
  trimFinalPrefill(turns);
  return { system, messages: turns.map((turn) => ({ role: turn.role, content: turn.blocks })) };
}

function appendToTurn(turns: Turn[], role: Role, blocks: ContentBlockParam[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.blocks.push(...blocks);
  else turns.push({ role, blocks });
}

function appendToolResult(turns: Turn[], block: ToolResultBlockParam): void {
  const last = turns.at(-1);
  if (last?.role !== 'user') {
    turns.push({ role: 'user', blocks: [block] });
    return;
  }
  // Results go ahead of any text already in this user turn, after the results before them.
  let at = 0;
  while (at < last.blocks.length && last.blocks[at]?.type === 'tool_result') at++;
  last.blocks.splice(at, 0, block);
}

/** System/developer content, and tool results' text parts: strings or text parts only. */
function appendText(
  out: TextBlockParam[],
  content: string | ReadonlyArray<{ type: 'text'; text: string }>,
  param: string,
): void {
  if (typeof content === 'string') {
    if (content !== '') out.push({ type: 'text', text: content });
    return;
  }
  content.forEach((part, j) => {
    if (part.text !== '')
      out.push(withCacheControl({ type: 'text', text: part.text }, part, `${param}[${j}]`));
  });
}

function userBlocks(content: string | UserContentPart[], param: string): ContentBlockParam[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const blocks: ContentBlockParam[] = [];
  content.forEach((part, j) => {
    const partParam = `${param}.content[${j}]`;
    switch (part.type) {
      case 'text':
        if (part.text !== '')
          blocks.push(withCacheControl({ type: 'text', text: part.text }, part, partParam));
        break;
      case 'image_url':
        blocks.push(withCacheControl(imageBlock(part.image_url.url, partParam), part, partParam));
        break;
      case 'input_audio':
        throw unsupportedParameter(partParam, PROVIDER, 'Claude does not accept audio input');
      case 'file':
        throw unsupportedParameter(
          partParam,
          PROVIDER,
          'file parts are not translated for Claude; send images as image_url parts',
        );
    }
  });
  return blocks;
}

const IMAGE_TYPES = new Set<string>(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DATA_URL = /^data:([^;,]+)((?:;[^;,]+)*),(.*)$/s;

function imageBlock(url: string, param: string): ImageBlockParam {
  if (url.startsWith('data:')) {
    const match = DATA_URL.exec(url);
    const mediaType = match?.[1]?.toLowerCase();
    if (match === null || mediaType === undefined || !(match[2] ?? '').split(';').includes('base64')) {
      throw invalidRequest(
        'An image data URL must look like data:image/png;base64,<data>.',
        `${param}.image_url.url`,
      );
    }
    if (!IMAGE_TYPES.has(mediaType)) {
      throw unsupportedParameter(
        `${param}.image_url.url`,
        PROVIDER,
        `image type '${mediaType}' is not one of image/jpeg, image/png, image/gif, image/webp`,
      );
    }
    return {
      type: 'image',
      source: {
        type: 'base64',
        media_type: mediaType as Base64ImageSource['media_type'],
        data: match[3] ?? '',
      },
    };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw invalidRequest(
    'image_url.url must be an http(s) URL or a base64 data URL.',
    `${param}.image_url.url`,
  );
}

function assistantBlocks(
  message: Extract<ChatMessage, { role: 'assistant' }>,
  param: string,
  targetModel: string,
): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  // Thinking goes first, as Claude produced it; a turn from another model (a fallback answered it, or
  // another provider's signature) carries nothing Claude can verify, so it is left out.
  const state = decodeThinkingState((message as { reasoning_signature?: unknown }).reasoning_signature);
  if (state !== undefined && sameAnthropicModel(state.model, targetModel)) blocks.push(...state.blocks);
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      const text = part.type === 'text' ? part.text : part.refusal;
      if (text !== '') blocks.push(withCacheControl({ type: 'text', text }, part, `${param}.content[${j}]`));
    });
  }
  message.tool_calls?.forEach((call, j) => {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: toolInput(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`),
    });
  });
  return blocks;
}

/** OpenAI sends arguments as a JSON string; Anthropic's `input` must be the object itself. */
function toolInput(args: string, param: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw invalidRequest('Tool call arguments must be a JSON object.', param);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest('Tool call arguments must be a JSON object.', param);
  }
  return parsed as Record<string, unknown>;
}

function toolResult(message: Extract<ChatMessage, { role: 'tool' }>, param: string): ToolResultBlockParam {
  const block: ToolResultBlockParam = { type: 'tool_result', tool_use_id: message.tool_call_id };
  if (typeof message.content === 'string') {
    if (message.content !== '') block.content = message.content;
  } else {
    const parts: TextBlockParam[] = [];
    appendText(parts, message.content, `${param}.content`);
    if (parts.length > 0) block.content = parts;
  }
  return block;
}

/** A final assistant turn is a prefill, and the API rejects one ending in whitespace. */
function trimFinalPrefill(turns: Turn[]): void {
  const last = turns.at(-1);
  if (last?.role !== 'assistant') return;
  const block = last.blocks.at(-1);
  if (block?.type === 'text') {
    const text = block.text.trimEnd();
    if (text === '') last.blocks.pop();
    else last.blocks[last.blocks.length - 1] = { ...block, text };
    if (last.blocks.length === 0) turns.pop();
  }
}

/**
 * Anthropic's prompt-caching marker, when a client puts it on a content part (as clients of other
 * gateways do): `{"type":"ephemeral","ttl"?:"5m"|"1h"}`. Anything else there is a client error.
 */
function withCacheControl<T extends TextBlockParam | ImageBlockParam>(
  block: T,
  part: object,
  param: string,
): T {
  const marker = (part as { cache_control?: unknown }).cache_control;
  if (marker === undefined || marker === null) return block;
  const value = marker as { type?: unknown; ttl?: unknown };
  if (value.type !== 'ephemeral' || (value.ttl !== undefined && value.ttl !== '5m' && value.ttl !== '1h')) {
    throw invalidRequest(
      'cache_control must be {"type":"ephemeral"} with an optional ttl of "5m" or "1h".',
      `${param}.cache_control`,
    );
  }
  return {
    ...block,
    cache_control: value.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: value.ttl },
  };
}
