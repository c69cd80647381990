/**
 * validateDeepSeekChat(body): checks a POST /chat/completions body the way DeepSeek does
 * (docs/providers.md §5) and returns what the fake needs to answer, or DeepSeek's 400.
 *
 * - Fields outside DeepSeek's request schema are refused as its deserializer words it ("unknown
 *   field `seed`"). [UNV: the real API may ignore some unknown fields; the fake is strict so an
 *   adapter that sends OpenAI-only fields (`seed`, `n`, `user`, `parallel_tool_calls`, …) is caught.]
 * - Content parts other than `text` are refused ("unknown variant `image_url`, expected `text`"):
 *   DeepSeek's chat models read text only.
 * - response_format is `text` or `json_object`; json_schema is refused.
 * - Thinking mode (§5.2): logprobs/top_logprobs are an error, and between two user messages where
 *   the model called a tool every assistant message must carry `reasoning_content` ("Missing
 *   `reasoning_content` field in the assistant message at message index N").
 */
import type { FakeResponseFormat, FakeTool, FakeToolChoice } from '../shared/reply-plan.ts';
import { type DeepSeekErrorResponse, deepSeekError, deserializeError } from './errors.ts';
import { thinkingOn } from './models.ts';
import { ownValue } from '../../../providers/shared/own-property.ts';

export interface DeepSeekChatRequest {
  model: string;
  stream: boolean;
  thinking: boolean;
  /** `top_logprobs` when logprobs were asked for (non-thinking mode only), else undefined. */
  topLogprobs?: number;
  maxTokens?: number;
  stop?: string[];
  tools: FakeTool[];
  toolChoice: FakeToolChoice;
  responseFormat: FakeResponseFormat;
  lastUserText: string;
  messageChars: number;
  lastMessageIsToolResult: boolean;
  toolResultText?: string;
}

export type DeepSeekValidation =
  | { ok: true; request: DeepSeekChatRequest }
  | { ok: false; error: DeepSeekErrorResponse };

const FIELDS = [
  'model',
  'messages',
  'thinking',
  'frequency_penalty',
  'max_tokens',
  'presence_penalty',
  'response_format',
  'stop',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'logprobs',
  'top_logprobs',
  'reasoning_effort',
];
const KNOWN = new Set(FIELDS);
const MESSAGE_FIELDS: Record<string, ReadonlySet<string>> = {
  system: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'prefix', 'reasoning_content', 'tool_calls']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};
const EFFORTS = new Set(['minimal', 'low', 'medium', 'high', 'xhigh', 'max']);

type Json = Record<string, unknown>;

export function validateDeepSeekChat(body: unknown): DeepSeekValidation {
  if (!isObject(body)) return fail(deserializeError('invalid type: expected struct ChatCompletionRequest'));
  for (const key of Object.keys(body)) {
    if (!KNOWN.has(key))
      return fail(
        deserializeError(
          `unknown field \`${key}\`, expected one of ${FIELDS.map((f) => `\`${f}\``).join(', ')}`,
        ),
      );
  }
  if (typeof body.model !== 'string') return fail(deserializeError('missing field `model`'));
  if (!Array.isArray(body.messages)) return fail(deserializeError('missing field `messages`'));
  if (body.messages.length === 0)
    return fail(deepSeekError(400, 'Invalid request: messages must not be empty'));
  const thinkingType = isObject(body.thinking) ? body.thinking.type : undefined;
  if (body.thinking !== undefined && thinkingType !== 'enabled' && thinkingType !== 'disabled') {
    return fail(deserializeError('thinking.type: unknown variant, expected `enabled` or `disabled`'));
  }
  if (
    body.reasoning_effort !== undefined &&
    body.reasoning_effort !== null &&
    !EFFORTS.has(String(body.reasoning_effort))
  ) {
    return fail(
      deserializeError(
        `reasoning_effort: unknown variant \`${String(body.reasoning_effort)}\`, expected \`high\` or \`max\``,
      ),
    );
  }
  const thinking = thinkingOn(body.model, body.thinking);
  if (thinking && (body.logprobs === true || typeof body.top_logprobs === 'number')) {
    return fail(deepSeekError(400, 'logprobs and top_logprobs are not supported in thinking mode'));
  }
  if (body.stream_options !== undefined && body.stream !== true) {
    return fail(deepSeekError(400, 'stream_options should be set along with stream = true'));
  }

  let lastUserText = '';
  let messageChars = 0;
  const messages = body.messages as unknown[];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (!isObject(message))
      return fail(deserializeError(`messages[${i}]: invalid type, expected a message object`));
    const role = message.role;
    const allowed = typeof role === 'string' ? ownValue(MESSAGE_FIELDS, role) : undefined;
    if (allowed === undefined) {
      return fail(
        deserializeError(
          `messages[${i}]: unknown variant \`${String(role)}\`, expected one of \`system\`, \`user\`, \`assistant\`, \`tool\``,
        ),
      );
    }
    for (const key of Object.keys(message)) {
      if (!allowed.has(key)) return fail(deserializeError(`messages[${i}]: unknown field \`${key}\``));
    }
    const content = message.content;
    if (Array.isArray(content)) {
      for (const part of content) {
        const type = isObject(part) ? part.type : undefined;
        if (type !== 'text')
          return fail(
            deserializeError(`messages[${i}]: unknown variant \`${String(type)}\`, expected \`text\``),
          );
      }
    } else if (content !== null && content !== undefined && typeof content !== 'string') {
      return fail(
        deserializeError(`messages[${i}].content: invalid type, expected a string or a list of text parts`),
      );
    }
    const text = textOf(content);
    messageChars +=
      text.length + (Array.isArray(message.tool_calls) ? JSON.stringify(message.tool_calls).length : 0);
    if (role === 'user') lastUserText = text;
    if (role === 'tool' && typeof message.tool_call_id !== 'string')
      return fail(deserializeError(`messages[${i}]: missing field \`tool_call_id\``));
  }
  if (thinking) {
    const missing = missingReasoning(messages as Json[]);
    if (missing !== undefined)
      return fail(
        deepSeekError(
          400,
          `Missing \`reasoning_content\` field in the assistant message at message index ${missing}`,
        ),
      );
  }

  const tools = toTools(body.tools);
  if ('error' in tools) return fail(tools.error);
  const toolChoice = toToolChoice(body.tool_choice);
  if ('error' in toolChoice) return fail(toolChoice.error);
  const format = body.response_format;
  const formatType = isObject(format) ? format.type : format === undefined ? 'text' : undefined;
  if (formatType !== 'text' && formatType !== 'json_object') {
    return fail(
      deserializeError(
        `response_format.type: unknown variant \`${String(formatType)}\`, expected \`text\` or \`json_object\``,
      ),
    );
  }
  const stop = body.stop;
  const last = messages.at(-1) as Json;
  const trailing: string[] = [];
  for (let i = messages.length - 1; i >= 0 && (messages[i] as Json).role === 'tool'; i--)
    trailing.unshift(textOf((messages[i] as Json).content));
  return {
    ok: true,
    request: {
      model: body.model,
      stream: body.stream === true,
      thinking,
      topLogprobs:
        body.logprobs === true ? (typeof body.top_logprobs === 'number' ? body.top_logprobs : 0) : undefined,
      maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
      stop: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? (stop as string[]) : undefined,
      tools: tools.value,
      toolChoice: toolChoice.value,
      responseFormat: { type: formatType },
      lastUserText,
      messageChars,
      lastMessageIsToolResult: last.role === 'tool',
      toolResultText: trailing.length > 0 ? trailing.join('\n') : undefined,
    },
  };
}

/** §5.2: the index of the first assistant message in a tool-calling stretch without reasoning. */
function missingReasoning(messages: Json[]): number | undefined {
  let start = 0;
  for (let i = 0; i <= messages.length; i++) {
    if (i < messages.length && messages[i]?.role !== 'user') continue;
    const stretch = messages.slice(start, i);
    const called = stretch.some(
      (m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0,
    );
    if (called) {
      for (let j = start; j < i; j++) {
        const m = messages[j];
        if (m?.role === 'assistant' && typeof m.reasoning_content !== 'string') return j;
      }
    }
    start = i + 1;
  }
  return undefined;
}

type Checked<T> = { value: T } | { error: DeepSeekErrorResponse };

function toTools(tools: unknown): Checked<FakeTool[]> {
  if (tools === undefined || tools === null) return { value: [] };
  if (!Array.isArray(tools)) return { error: deserializeError('tools: invalid type, expected a sequence') };
  const out: FakeTool[] = [];
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i];
    const fn = isObject(tool) ? tool.function : undefined;
    if (!isObject(tool) || tool.type !== 'function' || !isObject(fn) || typeof fn.name !== 'string') {
      return { error: deserializeError(`tools[${i}]: expected a function tool with a name`) };
    }
    out.push({ name: fn.name, parameters: fn.parameters ?? {} });
  }
  return { value: out };
}

function toToolChoice(choice: unknown): Checked<FakeToolChoice> {
  if (choice === undefined || choice === null || choice === 'auto') return { value: 'auto' };
  if (choice === 'none' || choice === 'required') return { value: choice };
  if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string')
    return { value: { name: choice.function.name } };
  return {
    error: deserializeError(
      'tool_choice: unknown variant, expected `none`, `auto`, `required` or a named function',
    ),
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(error: DeepSeekErrorResponse): DeepSeekValidation {
  return { ok: false, error };
}
