/**
 * What routing needs to know about a request's shape (conditional rules, cost routing's capability
 * check): computed once, only for models whose routing looks at it, by one walk over the messages.
 *
 * Prompt tokens are an estimate (about 4 characters per token for English text and code, the rule of
 * thumb OpenAI documents), plus a fixed allowance per message and per image. It decides routing, never
 * billing: billing uses the usage the provider reports.
 */
import type { ChatRequest } from '../protocol/chat-request.ts';

export interface RequestShape {
  promptTokens: number;
  /** max_completion_tokens ?? max_tokens, when the client set one. */
  maxOutputTokens: number | undefined;
  tools: boolean;
  images: boolean;
  audio: boolean;
  jsonSchema: boolean;
  jsonObject: boolean;
  reasoningEffort: string | null;
}

const CHARS_PER_TOKEN = 4;
/** Role and framing tokens per message (OpenAI's cookbook counts 3–4). */
const TOKENS_PER_MESSAGE = 4;
/** A high-detail 1024×1024 image in OpenAI's tile accounting; a middle-of-the-road guess elsewhere. */
const TOKENS_PER_IMAGE = 765;

export function requestShape(request: ChatRequest): RequestShape {
  let chars = 0;
  let images = 0;
  let audio = false;
  for (const message of request.messages) {
    const content = (message as { content?: unknown }).content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content as Array<{ type?: string; text?: unknown }>) {
        if (part.type === 'image_url') images++;
        else if (part.type === 'input_audio') audio = true;
        else if (typeof part.text === 'string') chars += part.text.length;
      }
    }
    const toolCalls = (message as { tool_calls?: Array<{ function?: { arguments?: string } }> }).tool_calls;
    if (toolCalls !== undefined) for (const call of toolCalls) chars += call.function?.arguments?.length ?? 0;
  }
  const tools = request.tools !== undefined && request.tools.length > 0;
  if (tools) chars += stringChars(request.tools);
  const format = request.response_format?.type;
  return {
    promptTokens:
      Math.ceil(chars / CHARS_PER_TOKEN) +
      request.messages.length * TOKENS_PER_MESSAGE +
      images * TOKENS_PER_IMAGE,
    maxOutputTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
    tools,
    images: images > 0,
    audio,
    jsonSchema: format === 'json_schema',
    jsonObject: format === 'json_object',
    reasoningEffort: request.reasoning_effort ?? null,
  };
}

/** Characters in the strings (keys and values) of a JSON value: tool schemas count towards the prompt. */
function stringChars(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) {
    let total = 0;
    for (const item of value) total += stringChars(item);
    return total;
  }
  if (value !== null && typeof value === 'object') {
    let total = 0;
    for (const [key, item] of Object.entries(value)) total += key.length + stringChars(item);
    return total;
  }
  return 0;
}
