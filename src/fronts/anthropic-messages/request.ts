/**
 * Anthropic Messages request (docs/providers.md §2.2–2.4) to the normalized ChatRequest: the mirror of
 * providers/anthropic/request.ts. Pure, and run once per request (the adapters then translate the
 * normalized request per target).
 *
 *   system (string | text blocks)        → a leading system message
 *   user text / image / document blocks  → user content parts (image → image_url, PDF → file part)
 *   user tool_result blocks              → tool messages, before the rest of that user turn
 *   assistant text / tool_use            → content / tool_calls (input serialized as arguments)
 *   assistant thinking                   → reasoning_content, its signature → reasoning_signature
 *   max_tokens, stop_sequences           → max_tokens, stop
 *   thinking / output_config.effort      → reasoning_effort;  output_config.format → response_format
 *   tools (custom), tool_choice          → function tools, tool_choice (+ parallel_tool_calls)
 *   metadata.user_id                     → user;  top_k → top_k (OpenAI-shaped upstreams that know it)
 *
 * Server tools (web search, code execution…), server-tool result blocks, `file_id` sources and other
 * blocks only Claude knows have no normalized form: they reach an Anthropic target untouched (the body
 * passes through, index.ts) and make any other target refuse the request with a 400 naming them
 * (untranslatable.ts). cache_control is honoured by an Anthropic target and has nothing to mark elsewhere.
 */
import { z } from 'zod';
import { parseJsonObject } from '../../protocol/json-body.ts';
import { invalidRequest } from '../../errors/codes.ts';
import {
  type ChatMessage,
  type ChatRequest,
  formatParam,
  MAX_MODEL_NAME_CHARS,
} from '../../protocol/chat-request.ts';
import type { FrontRequest } from '../types.ts';
import { rememberProblem, TranslationProblems } from '../untranslatable.ts';

const cacheControl = z
  .looseObject({ type: z.literal('ephemeral') })
  .nullable()
  .optional();
const textBlock = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: cacheControl });
const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
    z.looseObject({ type: z.literal('url'), url: z.string() }),
    z.looseObject({ type: z.literal('file'), file_id: z.string() }),
  ]),
});
const documentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.looseObject({ type: z.string() }),
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  is_error: z.boolean().optional(),
});
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
const thinkingBlock = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string(),
});
const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });
/** Blocks of types translated here must be well formed; any other type is Claude's own (see header). */
const KNOWN_BLOCKS = new Set([
  'text',
  'image',
  'document',
  'tool_result',
  'tool_use',
  'thinking',
  'redacted_thinking',
]);
const otherBlock = z.looseObject({
  type: z
    .string()
    .refine(
      (type) => !KNOWN_BLOCKS.has(type),
      'is malformed: a required field is missing or of the wrong type',
    ),
});

const block = z.union([
  textBlock,
  imageBlock,
  documentBlock,
  toolResultBlock,
  toolUseBlock,
  thinkingBlock,
  redactedThinkingBlock,
  otherBlock,
]);
type Block = z.infer<typeof block>;

const tool = z.looseObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match [a-zA-Z0-9_-]{1,64}'),
  type: z.string().optional(),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().optional(),
});

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1).max(MAX_MODEL_NAME_CHARS),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(
      z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block)]) }),
    )
    .min(1, 'must contain at least one message'),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stream: z.boolean().optional(),
  thinking: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024) }),
      z.looseObject({ type: z.literal('disabled') }),
      z.looseObject({ type: z.literal('adaptive') }),
    ])
    .optional(),
  output_config: z
    .looseObject({
      effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).optional(),
      format: z
        .looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })
        .nullable()
        .optional(),
    })
    .optional(),
  tools: z.array(tool).optional(),
  tool_choice: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
      z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
      z.looseObject({
        type: z.literal('tool'),
        name: z.string(),
        disable_parallel_tool_use: z.boolean().optional(),
      }),
      z.looseObject({ type: z.literal('none') }),
    ])
    .optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
});
type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export function parseMessagesRequest(body: Buffer): FrontRequest {
  return messagesRequestOf(parseJsonObject(body));
}

/**
 * A parsed body, validated and translated; the input guard runs it again on a body it edited
 * (guarded-text.ts), so every target gets the guarded request.
 */
export function messagesRequestOf(json: Record<string, unknown>): FrontRequest {
  const result = messagesRequestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue === undefined ? null : formatParam(issue.path);
    const where = param === null ? 'the request' : param;
    throw invalidRequest(`${where}: ${issue?.message ?? 'invalid'}`, param, 'invalid_value');
  }
  const problems = new TranslationProblems();
  const request = toChatRequest(result.data, problems);
  rememberProblem(json, problems.first);
  return { request, stream: result.data.stream === true, native: json };
}

export function toChatRequest(body: MessagesRequest, problems = new TranslationProblems()): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(body.system);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  body.messages.forEach((message, index) => {
    if (message.role === 'user') pushUserTurn(messages, message.content, index, problems);
    else messages.push(assistantTurn(message.content, index, problems));
  });
  // OpenAI's current name: its reasoning models refuse `max_tokens`, and every adapter reads this one.
  const request: ChatRequest = { model: body.model, messages, max_completion_tokens: body.max_tokens };
  if (body.stream === true) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (body.top_k !== undefined) (request as Record<string, unknown>).top_k = body.top_k;
  const effort = reasoningEffort(body);
  if (effort !== undefined) request.reasoning_effort = effort;
  const format = body.output_config?.format;
  if (format != null)
    request.response_format = {
      type: 'json_schema',
      json_schema: { name: 'output', schema: format.schema, strict: true },
    };
  const tools: NonNullable<ChatRequest['tools']> = [];
  body.tools?.forEach((tool, index) => {
    const translated = problems.part(() => {
      if (tool.type !== undefined && tool.type !== 'custom')
        throw invalidRequest(
          `tools[${index}]: the server tool '${tool.type}' is only available with an Anthropic model.`,
          `tools[${index}].type`,
          'unsupported_parameter',
        );
      return {
        type: 'function' as const,
        function: {
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          parameters: tool.input_schema ?? { type: 'object', properties: {} },
          ...(tool.strict === undefined ? {} : { strict: tool.strict }),
        },
      };
    });
    if (translated !== undefined) tools.push(translated);
  });
  if (tools.length > 0) request.tools = tools;
  const choice = body.tool_choice;
  if (choice !== undefined) {
    if (choice.type === 'auto') request.tool_choice = 'auto';
    else if (choice.type === 'any') request.tool_choice = 'required';
    else if (choice.type === 'none') request.tool_choice = 'none';
    else request.tool_choice = { type: 'function', function: { name: choice.name } };
    if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true)
      request.parallel_tool_calls = false;
  }
  const userId = body.metadata?.user_id;
  if (typeof userId === 'string' && userId !== '') request.user = userId;
  return request;
}

function systemText(system: MessagesRequest['system']): string | undefined {
  if (system === undefined) return undefined;
  const text = typeof system === 'string' ? system : system.map((part) => part.text).join('\n\n');
  return text === '' ? undefined : text;
}

/**
 * `thinking` wins over `output_config.effort`: a budget maps to the effort whose budget it reaches
 * (providers/anthropic/request.ts THINKING_BUDGETS, read the other way), adaptive thinking to medium.
 */
function reasoningEffort(body: MessagesRequest): ChatRequest['reasoning_effort'] {
  const thinking = body.thinking;
  if (thinking?.type === 'disabled') return 'none';
  if (thinking?.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (budget <= 1024) return 'minimal';
    if (budget <= 2048) return 'low';
    if (budget <= 8192) return 'medium';
    if (budget <= 16_384) return 'high';
    if (budget <= 24_576) return 'xhigh';
    return 'max';
  }
  const effort = body.output_config?.effort;
  if (effort !== undefined) return effort;
  if (thinking?.type === 'adaptive') return 'medium';
  return undefined;
}

type UserPart = Extract<ChatMessage, { role: 'user' }>['content'] & unknown[];

function pushUserTurn(
  messages: ChatMessage[],
  content: string | Block[],
  index: number,
  problems: TranslationProblems,
): void {
  if (typeof content === 'string') {
    messages.push({ role: 'user', content });
    return;
  }
  const parts: UserPart = [];
  content.forEach((item, blockIndex) => {
    const param = `messages[${index}].content[${blockIndex}]`;
    problems.part(() => userBlock(messages, parts, item, param));
  });
  if (parts.length === 0) return;
  const onlyText = parts.every((part) => part.type === 'text');
  messages.push({
    role: 'user',
    content: onlyText ? parts.map((part) => (part as { text: string }).text).join('\n') : parts,
  });
}

function userBlock(messages: ChatMessage[], parts: UserPart, item: Block, param: string): void {
  switch (item.type) {
    case 'text':
      parts.push({ type: 'text', text: (item as { text: string }).text });
      return;
    case 'image':
      parts.push({
        type: 'image_url',
        image_url: { url: imageUrl(item as z.infer<typeof imageBlock>, param) },
      });
      return;
    case 'document':
      parts.push(documentPart(item as z.infer<typeof documentBlock>, param));
      return;
    case 'tool_result': {
      const result = item as z.infer<typeof toolResultBlock>;
      messages.push({
        role: 'tool',
        tool_call_id: result.tool_use_id,
        content: toolResultText(result, param),
      });
      return;
    }
    default:
      throw invalidRequest(
        `${param}: a '${item.type}' block needs an Anthropic model; this route has none that can take it.`,
        `${param}.type`,
        'unsupported_parameter',
      );
  }
}

function imageUrl(image: z.infer<typeof imageBlock>, param: string): string {
  const source = image.source;
  if (source.type === 'base64') return `data:${source.media_type};base64,${source.data}`;
  if (source.type === 'url') return source.url;
  throw invalidRequest(
    `${param}: an image by file_id needs an Anthropic model (the Files API is Anthropic's).`,
    `${param}.source`,
    'unsupported_parameter',
  );
}

function documentPart(document: z.infer<typeof documentBlock>, param: string): UserPart[number] {
  const source = document.source as { type: string; media_type?: unknown; data?: unknown };
  if (source.type === 'base64' && typeof source.data === 'string' && typeof source.media_type === 'string')
    return { type: 'file', file: { file_data: `data:${source.media_type};base64,${source.data}` } };
  if (source.type === 'text' && typeof source.data === 'string') return { type: 'text', text: source.data };
  throw invalidRequest(
    `${param}: a '${source.type}' document source needs an Anthropic model.`,
    `${param}.source`,
    'unsupported_parameter',
  );
}

/** Chat tool messages carry text only; an error result says so, as Claude would see it. */
function toolResultText(result: z.infer<typeof toolResultBlock>, param: string): string {
  const content = result.content;
  let text = '';
  if (typeof content === 'string') text = content;
  else if (content !== undefined) {
    for (const part of content) {
      if (part.type !== 'text' || typeof part.text !== 'string')
        throw invalidRequest(
          `${param}: a tool result holding '${part.type}' blocks needs an Anthropic model.`,
          `${param}.content`,
          'unsupported_parameter',
        );
      text += text === '' ? part.text : `\n${part.text}`;
    }
  }
  return result.is_error === true ? `Error: ${text}` : text;
}

function assistantTurn(content: string | Block[], index: number, problems: TranslationProblems): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  let reasoning = '';
  let signature = '';
  const toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> =
    [];
  content.forEach((item, blockIndex) => {
    problems.part(() => {
      switch (item.type) {
        case 'text':
          text += (item as { text: string }).text;
          return;
        case 'tool_use': {
          const use = item as z.infer<typeof toolUseBlock>;
          toolCalls.push({
            id: use.id,
            type: 'function',
            function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) },
          });
          return;
        }
        case 'thinking': {
          // The signature is the provider's own opaque state (rendered by response.ts), carried back whole.
          const thinking = item as z.infer<typeof thinkingBlock>;
          reasoning += thinking.thinking;
          if (thinking.signature !== '') signature = thinking.signature;
          return;
        }
        case 'redacted_thinking':
          return;
        default:
          throw invalidRequest(
            `messages[${index}].content[${blockIndex}]: a '${item.type}' block needs an Anthropic model; this route has none that can take it.`,
            `messages[${index}].content[${blockIndex}].type`,
            'unsupported_parameter',
          );
      }
    });
  });
  const message: Extract<ChatMessage, { role: 'assistant' }> = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (signature !== '') message.reasoning_signature = signature;
  return message;
}
