/**
 * validateQwenChat(body): checks a POST /compatible-mode/v1/chat/completions body as DashScope's
 * compatible mode does (docs/providers.md §6.3) and returns what the fake needs, or the 400.
 *
 * - Top-level fields are OpenAI's that compatible mode supports plus Qwen's own (enable_thinking,
 *   thinking_budget, enable_search, …). Anything else is refused [UNV: wording; the real service may
 *   ignore some], so an adapter sending `logit_bias`, `user`, `store`, `max_completion_tokens` or
 *   `reasoning_effort` is caught.
 * - thinking_budget must be a positive integer ≤ the model's maximum (§6.3 wording).
 * - QwQ answers streams only; open-weight Qwen3 with thinking on needs a stream (§6.3 wording).
 * - n is 1–4; top_logprobs needs logprobs; stream_options needs stream.
 */
import type { FakeResponseFormat, FakeTool, FakeToolChoice } from '../shared/reply-plan.ts';
import { invalidParameter, type QwenErrorResponse } from './errors.ts';
import { isOpenWeightQwen3, isStreamOnly, MAX_THINKING_BUDGET, thinkingOn } from './models.ts';
import { ownValue } from '../../../providers/shared/own-property.ts';

export interface QwenChatRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  thinking: boolean;
  /** `top_logprobs` when logprobs were asked for, else undefined. */
  topLogprobs?: number;
  n: number;
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

export type QwenValidation = { ok: true; request: QwenChatRequest } | { ok: false; error: QwenErrorResponse };

const FIELDS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'temperature',
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'stop',
  'n',
  'seed',
  'logprobs',
  'top_logprobs',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'modalities',
  'audio',
  // Qwen's own (§6.3)
  'enable_thinking',
  'thinking_budget',
  'enable_search',
  'search_options',
  'top_k',
  'repetition_penalty',
  'vl_high_resolution_images',
  'translation_options',
]);
const MESSAGE_FIELDS: Record<string, ReadonlySet<string>> = {
  system: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'tool_calls', 'reasoning_content', 'partial']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
};
const PART_TYPES = new Set(['text', 'image_url', 'input_audio', 'video', 'video_url']);
const NON_TEXT_PART_CHARS = 85 * 4;

type Json = Record<string, unknown>;

export function validateQwenChat(body: unknown): QwenValidation {
  if (!isObject(body))
    return fail(
      invalidParameter('<400> InternalError.Algo.InvalidParameter: The request body is not a JSON object'),
    );
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key))
      return fail(
        invalidParameter(
          `<400> InternalError.Algo.InvalidParameter: Unrecognized request argument supplied: ${key}`,
        ),
      );
  }
  if (typeof body.model !== 'string' || body.model === '')
    return fail(invalidParameter('<400> InternalError.Algo.InvalidParameter: Model not specified'));
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return fail(
      invalidParameter('<400> InternalError.Algo.InvalidParameter: messages must be a non-empty list'),
    );
  }
  const stream = body.stream === true;
  if (body.stream_options !== undefined && body.stream_options !== null && !stream) {
    return fail(
      invalidParameter(
        '<400> InternalError.Algo.InvalidParameter: stream_options is only allowed when stream is true',
      ),
    );
  }
  const budget = body.thinking_budget;
  if (
    budget !== undefined &&
    (!Number.isInteger(budget) || (budget as number) <= 0 || (budget as number) > MAX_THINKING_BUDGET)
  ) {
    return fail(
      invalidParameter(
        `The thinking_budget parameter must be a positive integer and not greater than ${MAX_THINKING_BUDGET}`,
      ),
    );
  }
  if (body.enable_thinking !== undefined && typeof body.enable_thinking !== 'boolean') {
    return fail(
      invalidParameter('<400> InternalError.Algo.InvalidParameter: enable_thinking must be a boolean'),
    );
  }
  const thinking = thinkingOn(body.model, body.enable_thinking);
  if (!stream && isStreamOnly(body.model)) {
    return fail(
      invalidParameter(
        'This model only support stream mode, please enable the stream parameter to access the model. ',
      ),
    );
  }
  if (!stream && thinking && isOpenWeightQwen3(body.model))
    return fail(invalidParameter('parameter.enable_thinking must be set to false for non-streaming calls'));
  const n = body.n === undefined || body.n === null ? 1 : body.n;
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 4) {
    return fail(invalidParameter('<400> InternalError.Algo.InvalidParameter: Range of n should be [1, 4]'));
  }
  if (body.top_logprobs !== undefined && body.logprobs !== true) {
    return fail(
      invalidParameter(
        '<400> InternalError.Algo.InvalidParameter: top_logprobs requires logprobs to be true',
      ),
    );
  }

  const messages = body.messages as unknown[];
  let lastUserText = '';
  let messageChars = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const role = isObject(message) ? message.role : undefined;
    const allowed = typeof role === 'string' ? ownValue(MESSAGE_FIELDS, role) : undefined;
    if (!isObject(message) || allowed === undefined) {
      return fail(
        invalidParameter(
          `<400> InternalError.Algo.InvalidParameter: messages[${i}].role must be one of system, user, assistant, tool`,
        ),
      );
    }
    for (const key of Object.keys(message)) {
      if (!allowed.has(key))
        return fail(
          invalidParameter(
            `<400> InternalError.Algo.InvalidParameter: Unrecognized field messages[${i}].${key}`,
          ),
        );
    }
    const content = message.content;
    if (Array.isArray(content)) {
      for (let j = 0; j < content.length; j++) {
        const part = content[j];
        const type = isObject(part) ? part.type : undefined;
        if (typeof type !== 'string' || !PART_TYPES.has(type)) {
          return fail(
            invalidParameter(
              `<400> InternalError.Algo.InvalidParameter: Unsupported content type '${String(type)}' in messages[${i}].content[${j}]`,
            ),
          );
        }
        const text = isObject(part) && typeof part.text === 'string' ? part.text : undefined;
        messageChars += text?.length ?? NON_TEXT_PART_CHARS;
      }
    } else if (typeof content === 'string') {
      messageChars += content.length;
    }
    if (Array.isArray(message.tool_calls)) messageChars += JSON.stringify(message.tool_calls).length;
    if (role === 'user') lastUserText = textOf(content);
    if (role === 'tool' && typeof message.tool_call_id !== 'string') {
      return fail(
        invalidParameter(
          `<400> InternalError.Algo.InvalidParameter: messages[${i}].tool_call_id is required`,
        ),
      );
    }
  }

  const tools: FakeTool[] = [];
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools) {
      const fn = isObject(tool) ? tool.function : undefined;
      if (!isObject(fn) || typeof fn.name !== 'string')
        return fail(
          invalidParameter(
            '<400> InternalError.Algo.InvalidParameter: tools must be function tools with a name',
          ),
        );
      tools.push({ name: fn.name, parameters: fn.parameters ?? {} });
    }
  }
  const choice = body.tool_choice;
  let toolChoice: FakeToolChoice = 'auto';
  if (choice === 'none' || choice === 'required') toolChoice = choice;
  else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string')
    toolChoice = { name: choice.function.name };
  else if (choice !== undefined && choice !== 'auto')
    return fail(invalidParameter('<400> InternalError.Algo.InvalidParameter: tool_choice is invalid'));

  const format = body.response_format;
  let responseFormat: FakeResponseFormat = { type: 'text' };
  if (isObject(format)) {
    if (format.type === 'json_object') responseFormat = { type: 'json_object' };
    else if (format.type === 'json_schema' && isObject(format.json_schema))
      responseFormat = { type: 'json_schema', schema: format.json_schema.schema ?? {} };
    else if (format.type !== 'text')
      return fail(
        invalidParameter('<400> InternalError.Algo.InvalidParameter: response_format.type is invalid'),
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
      stream,
      includeUsage: isObject(body.stream_options) && body.stream_options.include_usage === true,
      thinking,
      topLogprobs:
        body.logprobs === true ? (typeof body.top_logprobs === 'number' ? body.top_logprobs : 0) : undefined,
      n: n as number,
      maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
      stop: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? (stop as string[]) : undefined,
      tools,
      toolChoice,
      responseFormat,
      lastUserText,
      messageChars,
      lastMessageIsToolResult: last.role === 'tool',
      toolResultText: trailing.length > 0 ? trailing.join('\n') : undefined,
    },
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

function fail(error: QwenErrorResponse): QwenValidation {
  return { ok: false, error };
}
