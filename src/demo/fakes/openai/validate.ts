/**
 * validateChatRequest(body, { reasoning }): checks a POST /v1/chat/completions body the way the
 * API does and returns either the normalized request the fake needs or the 400 it would send.
 *
 * Covered (docs/providers.md §1.2–1.5): unknown top-level fields; model; messages (presence, type,
 * roles, content, tool_call_id, and the tool-message sequence rules); the type and range of every
 * numeric and boolean parameter; stop (≤ 4); stream_options only with stream; top_logprobs only
 * with logprobs; tools and tool_choice; response_format; and what reasoning models reject
 * (max_tokens → use max_completion_tokens, non-default temperature/top_p, stop, logprobs).
 * Wording and codes follow the API's validator ("Invalid type for 'x': expected a decimal, but got
 * a string instead.", code invalid_type, decimal_above_max_value, …). Messages marked [UNV] in
 * comments could not be checked against a recorded response.
 */
import type { FakeResponseFormat, FakeTool, FakeToolChoice } from '../shared/reply-plan.ts';
import { invalidRequest, type OpenAIErrorResponse } from './errors.ts';

export interface ChatMessage {
  role: 'developer' | 'system' | 'user' | 'assistant' | 'tool' | 'function';
  content: unknown;
  toolCallIds: string[];
  /** The assistant's tool_calls as sent, for prompt-size estimation. */
  toolCallsText: string;
  toolCallId?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  includeObfuscation: boolean;
  n: number;
  maxTokens?: number;
  stop?: string[];
  logprobs: boolean;
  topLogprobs: number;
  tools: FakeTool[];
  toolChoice: FakeToolChoice;
  responseFormat: FakeResponseFormat;
  serviceTier?: string;
  reasoningEffort?: string;
}

export type ValidationResult = { ok: true; request: ChatRequest } | { ok: false; error: OpenAIErrorResponse };

// ChatCompletionCreateParams of openai-node 7.57 (docs/providers.md §1.2, incl. the 2026 additions).
const KNOWN_FIELDS = new Set([
  'messages',
  'model',
  'audio',
  'frequency_penalty',
  'function_call',
  'functions',
  'logit_bias',
  'logprobs',
  'max_completion_tokens',
  'max_tokens',
  'metadata',
  'modalities',
  'moderation',
  'n',
  'parallel_tool_calls',
  'prediction',
  'presence_penalty',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'reasoning_effort',
  'response_format',
  'safety_identifier',
  'seed',
  'service_tier',
  'stop',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'user',
  'verbosity',
  'web_search_options',
]);

const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

class Invalid extends Error {
  readonly response: OpenAIErrorResponse;
  constructor(response: OpenAIErrorResponse) {
    super(response.body.error.message);
    this.response = response;
  }
}

type Body = Record<string, unknown>;

export function validateChatRequest(
  body: unknown,
  options: { reasoning: (model: string) => boolean },
): ValidationResult {
  try {
    return { ok: true, request: parse(body, options.reasoning) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, error: error.response };
    throw error;
  }
}

function parse(body: unknown, isReasoning: (model: string) => boolean): ChatRequest {
  if (!isObject(body)) {
    fail(
      `Invalid type for request body: expected an object, but got ${typeName(body)} instead.`,
      null,
      'invalid_type',
    );
  }
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) fail(`Unrecognized request argument supplied: ${key}`, null);
  }
  if (body.model === undefined || body.model === null) fail('you must provide a model parameter', null);
  if (typeof body.model !== 'string')
    fail(typeMismatch('model', 'a string', body.model), 'model', 'invalid_type');
  const model = body.model;
  const reasoning = isReasoning(model);

  const messages = parseMessages(body.messages);

  const temperature = decimal(body, 'temperature', 0, 2);
  const topP = decimal(body, 'top_p', 0, 1);
  decimal(body, 'frequency_penalty', -2, 2);
  decimal(body, 'presence_penalty', -2, 2);
  const n = integer(body, 'n', 1, 128) ?? 1;
  const maxTokens = integer(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER);
  const maxCompletionTokens = integer(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER);
  const topLogprobs = integer(body, 'top_logprobs', 0, 20);
  integer(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const stream = boolean(body, 'stream') ?? false;
  const logprobs = boolean(body, 'logprobs') ?? false;
  boolean(body, 'parallel_tool_calls');
  boolean(body, 'store');

  const streamOptions = present(body.stream_options) ? body.stream_options : undefined;
  if (streamOptions !== undefined) {
    if (!stream)
      fail("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
    if (!isObject(streamOptions))
      fail(typeMismatch('stream_options', 'an object', streamOptions), 'stream_options', 'invalid_type');
    boolean(streamOptions, 'include_usage', 'stream_options.');
    boolean(streamOptions, 'include_obfuscation', 'stream_options.');
  }
  // [UNV] wording; the rule itself is documented (top_logprobs requires logprobs: true).
  if (topLogprobs !== undefined && !logprobs) {
    fail(
      "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
      'top_logprobs',
      'invalid_value',
    );
  }
  const stop = parseStop(body.stop);

  if (reasoning) {
    // Reasoning models (docs/providers.md §1.2, recorded 400 for max_tokens).
    if (maxTokens !== undefined) {
      fail(
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        'max_tokens',
        'unsupported_parameter',
      );
    }
    for (const [name, value] of [
      ['temperature', temperature],
      ['top_p', topP],
    ] as const) {
      if (value !== undefined && value !== 1) {
        fail(
          `Unsupported value: '${name}' does not support ${value} with this model. Only the default (1) value is supported.`,
          name,
          'unsupported_value',
        );
      }
    }
    if (stop !== undefined)
      fail(
        "Unsupported parameter: 'stop' is not supported with this model.",
        'stop',
        'unsupported_parameter',
      );
    if (logprobs) {
      fail(
        "Unsupported parameter: 'logprobs' is not supported with this model.",
        'logprobs',
        'unsupported_parameter',
      );
    }
  }

  const tools = parseTools(body.tools);
  const toolChoice = parseToolChoice(body.tool_choice, tools);
  const responseFormat = parseResponseFormat(body.response_format);
  const serviceTier = typeof body.service_tier === 'string' ? body.service_tier : undefined;
  const reasoningEffort = typeof body.reasoning_effort === 'string' ? body.reasoning_effort : undefined;

  return {
    model,
    messages,
    stream,
    includeUsage: isObject(streamOptions) && streamOptions.include_usage === true,
    includeObfuscation: !(isObject(streamOptions) && streamOptions.include_obfuscation === false),
    n,
    maxTokens: maxCompletionTokens ?? maxTokens,
    stop,
    logprobs,
    topLogprobs: topLogprobs ?? 0,
    tools,
    toolChoice,
    responseFormat,
    serviceTier,
    reasoningEffort,
  };
}

function parseMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null)
    fail("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(value))
    fail(typeMismatch('messages', 'an array of objects', value), 'messages', 'invalid_type');
  if (value.length === 0) {
    fail(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  const messages = value.map((raw, i) => parseMessage(raw, i));
  checkToolSequence(messages);
  return messages;
}

function parseMessage(raw: unknown, i: number): ChatMessage {
  const at = `messages[${i}]`;
  if (!isObject(raw)) fail(typeMismatch(at, 'an object', raw), at, 'invalid_type');
  if (raw.role === undefined)
    fail(`Missing required parameter: '${at}.role'.`, `${at}.role`, 'missing_required_parameter');
  const role = ROLES.find((r) => r === raw.role);
  if (role === undefined) {
    fail(
      `Invalid value: '${String(raw.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
      `${at}.role`,
      'invalid_value',
    );
  }
  const toolCalls = raw.tool_calls;
  const toolCallIds: string[] = [];
  if (role === 'assistant' && present(toolCalls)) {
    if (!Array.isArray(toolCalls))
      fail(typeMismatch(`${at}.tool_calls`, 'an array', toolCalls), `${at}.tool_calls`, 'invalid_type');
    toolCalls.forEach((call, j) => {
      const callAt = `${at}.tool_calls[${j}]`;
      if (!isObject(call) || typeof call.id !== 'string') {
        fail(`Missing required parameter: '${callAt}.id'.`, `${callAt}.id`, 'missing_required_parameter');
      }
      toolCallIds.push(call.id);
    });
  }
  const content = raw.content;
  const contentOptional =
    role === 'assistant' && (toolCallIds.length > 0 || present(raw.function_call) || present(raw.audio));
  if (!present(content) && !contentOptional && role !== 'assistant') {
    fail(`Missing required parameter: '${at}.content'.`, `${at}.content`, 'missing_required_parameter');
  }
  if (present(content) && typeof content !== 'string' && !Array.isArray(content)) {
    fail(
      typeMismatch(`${at}.content`, 'one of a string or array of objects', content),
      `${at}.content`,
      'invalid_type',
    );
  }
  let toolCallId: string | undefined;
  if (role === 'tool') {
    if (typeof raw.tool_call_id !== 'string') {
      fail(
        `Missing required parameter: '${at}.tool_call_id'.`,
        `${at}.tool_call_id`,
        'missing_required_parameter',
      );
    }
    toolCallId = raw.tool_call_id;
  }
  const toolCallsText = toolCallIds.length > 0 ? JSON.stringify(toolCalls) : '';
  return { role, content, toolCallIds, toolCallsText, toolCallId };
}

// The API pairs tool results with the assistant turn right before them. Its own messages write the
// path as "messages.[3].role", with the dot, unlike its validator's other params.
function checkToolSequence(messages: ChatMessage[]): void {
  let open: string[] | undefined;
  let openAt = -1;
  messages.forEach((message, i) => {
    if (message.role === 'tool') {
      if (open === undefined) {
        fail(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      if (message.toolCallId !== undefined && !open.includes(message.toolCallId)) {
        // [UNV] wording.
        fail(
          `Invalid parameter: 'tool_call_id' of '${message.toolCallId}' not found in 'tool_calls' of previous message.`,
          `messages.[${i}].tool_call_id`,
        );
      }
      open = open.filter((id) => id !== message.toolCallId);
      return;
    }
    if (open !== undefined && open.length > 0) unanswered(open, openAt);
    open =
      message.role === 'assistant' && message.toolCallIds.length > 0 ? [...message.toolCallIds] : undefined;
    openAt = i;
  });
  if (open !== undefined && open.length > 0) unanswered(open, openAt);
}

function unanswered(ids: string[], at: number): never {
  return fail(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${ids.join(', ')}`,
    `messages.[${at}].role`,
  );
}

function parseStop(value: unknown): string[] | undefined {
  if (!present(value)) return undefined;
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value))
    fail(typeMismatch('stop', 'one of a string or array of strings', value), 'stop', 'invalid_type');
  if (value.length > 4) {
    fail(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${value.length} instead.`,
      'stop',
      'array_above_max_length',
    );
  }
  return value.map((s, i) => {
    if (typeof s !== 'string') fail(typeMismatch(`stop[${i}]`, 'a string', s), `stop[${i}]`, 'invalid_type');
    return s;
  });
}

function parseTools(value: unknown): FakeTool[] {
  if (!present(value)) return [];
  if (!Array.isArray(value))
    fail(typeMismatch('tools', 'an array of objects', value), 'tools', 'invalid_type');
  return value.map((tool, i) => {
    const at = `tools[${i}]`;
    if (!isObject(tool)) fail(typeMismatch(at, 'an object', tool), at, 'invalid_type');
    if (tool.type === 'custom' && isObject(tool.custom) && typeof tool.custom.name === 'string') {
      return { name: tool.custom.name, parameters: {} };
    }
    if (tool.type !== 'function') {
      fail(
        `Invalid value: '${String(tool.type)}'. Supported values are: 'function' and 'custom'.`,
        `${at}.type`,
        'invalid_value',
      );
    }
    const fn = tool.function;
    if (!isObject(fn))
      fail(`Missing required parameter: '${at}.function'.`, `${at}.function`, 'missing_required_parameter');
    if (typeof fn.name !== 'string') {
      fail(
        `Missing required parameter: '${at}.function.name'.`,
        `${at}.function.name`,
        'missing_required_parameter',
      );
    }
    if (!TOOL_NAME.test(fn.name)) {
      fail(
        `Invalid '${at}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        `${at}.function.name`,
        'invalid_value',
      );
    }
    return {
      name: fn.name,
      parameters: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
    };
  });
}

function parseToolChoice(value: unknown, tools: FakeTool[]): FakeToolChoice {
  if (!present(value)) return tools.length > 0 ? 'auto' : 'none';
  if (tools.length === 0) {
    fail(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
    );
  }
  if (value === 'none' || value === 'auto' || value === 'required') return value;
  if (typeof value === 'string') {
    fail(
      `Invalid value: '${value}'. Supported values are: 'none', 'auto', and 'required'.`,
      'tool_choice',
      'invalid_value',
    );
  }
  if (
    isObject(value) &&
    value.type === 'function' &&
    isObject(value.function) &&
    typeof value.function.name === 'string'
  ) {
    return { name: value.function.name };
  }
  if (
    isObject(value) &&
    value.type === 'custom' &&
    isObject(value.custom) &&
    typeof value.custom.name === 'string'
  ) {
    return { name: value.custom.name };
  }
  if (isObject(value) && value.type === 'allowed_tools' && isObject(value.allowed_tools)) {
    // The fake calls the first allowed tool; 'auto' and 'required' both end in a call, as with plain tools.
    const first = Array.isArray(value.allowed_tools.tools) ? value.allowed_tools.tools[0] : undefined;
    const name = isObject(first) && isObject(first.function) ? first.function.name : undefined;
    return typeof name === 'string' ? { name } : 'auto';
  }
  return fail(typeMismatch('tool_choice', 'one of a string or object', value), 'tool_choice', 'invalid_type');
}

function parseResponseFormat(value: unknown): FakeResponseFormat {
  if (!present(value)) return { type: 'text' };
  if (!isObject(value))
    fail(typeMismatch('response_format', 'an object', value), 'response_format', 'invalid_type');
  if (value.type === 'text') return { type: 'text' };
  if (value.type === 'json_object') return { type: 'json_object' };
  if (value.type === 'json_schema') {
    const spec = value.json_schema;
    if (!isObject(spec)) {
      fail(
        "Missing required parameter: 'response_format.json_schema'.",
        'response_format.json_schema',
        'missing_required_parameter',
      );
    }
    if (typeof spec.name !== 'string') {
      fail(
        "Missing required parameter: 'response_format.json_schema.name'.",
        'response_format.json_schema.name',
        'missing_required_parameter',
      );
    }
    return { type: 'json_schema', schema: spec.schema ?? {} };
  }
  return fail(
    `Invalid value: '${String(value.type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
    'response_format.type',
    'invalid_value',
  );
}

function decimal(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (!present(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(typeMismatch(name, 'a decimal', value), name, 'invalid_type');
  if (value > max) {
    fail(
      `Invalid '${name}': decimal above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      name,
      'decimal_above_max_value',
    );
  }
  if (value < min) {
    fail(
      `Invalid '${name}': decimal below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      name,
      'decimal_below_min_value',
    );
  }
  return value;
}

function integer(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (!present(value)) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    fail(typeMismatch(name, 'an integer', value), name, 'invalid_type');
  if (value > max) {
    fail(
      `Invalid '${name}': integer above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      name,
      'integer_above_max_value',
    );
  }
  if (value < min) {
    fail(
      `Invalid '${name}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      name,
      'integer_below_min_value',
    );
  }
  return value;
}

function boolean(body: Body, name: string, prefix = ''): boolean | undefined {
  const value = body[name];
  if (!present(value)) return undefined;
  if (typeof value !== 'boolean')
    fail(typeMismatch(prefix + name, 'a boolean', value), prefix + name, 'invalid_type');
  return value;
}

function typeMismatch(param: string, expected: string, value: unknown): string {
  return `Invalid type for '${param}': expected ${expected}, but got ${typeName(value)} instead.`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

// The API treats an explicit null like an absent optional field.
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string, param: string | null, code: string | null = null): never {
  throw new Invalid(invalidRequest(message, param, code));
}
