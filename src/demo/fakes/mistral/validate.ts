/**
 * validateMistralChat(body): checks a POST /v1/chat/completions body the way Mistral does and
 * returns what the fake needs to answer, or the error Mistral would send (docs/providers.md §4.2, §4.4).
 *
 * Mistral validates strictly (pydantic `extra="forbid"`): any field outside its schema, at the top
 * level or inside a message, content chunk, tool or tool call, is a 422 `extra_forbidden` naming
 * its location. That catches what OpenAI clients send and Mistral does not have:
 * `max_completion_tokens`, `seed`, `stream_options`, `logprobs`, `user`, `store`, `logit_bias`,
 * `reasoning_content` or `name` on a message. Beyond the schema:
 * - a tool-call id sent back must match ^[a-zA-Z0-9]{9}$ (400, the API's own wording, §4.2);
 * - an assistant message needs content or tool_calls (400);
 * - tool_choice takes auto/none/any/required or a named function.
 */
import type { FakeResponseFormat, FakeTool, FakeToolChoice } from '../shared/reply-plan.ts';
import {
  extraForbidden,
  type MistralErrorResponse,
  mistralError,
  missingField,
  validationError,
  wrongType,
} from './errors.ts';
import { ownValue } from '../../../providers/shared/own-property.ts';

export interface MistralChatRequest {
  model: string;
  stream: boolean;
  n: number;
  maxTokens?: number;
  stop?: string[];
  tools: FakeTool[];
  toolChoice: FakeToolChoice;
  responseFormat: FakeResponseFormat;
  promptMode?: string;
  /** What planReply reads from the conversation. */
  lastUserText: string;
  messageChars: number;
  lastMessageIsToolResult: boolean;
  toolResultText?: string;
  /** The last message's text when it is an assistant message with `prefix: true` (§ prefix mode). */
  assistantPrefix?: string;
}

export type MistralValidation =
  | { ok: true; request: MistralChatRequest }
  | { ok: false; error: MistralErrorResponse };

// ChatCompletionRequest of @mistralai/mistralai 2.7 (wire names).
const TOP_LEVEL = new Set([
  'model',
  'temperature',
  'top_p',
  'max_tokens',
  'stream',
  'stop',
  'random_seed',
  'metadata',
  'messages',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'reasoning_effort',
  'prompt_mode',
  'guardrails',
  'prompt_cache_key',
  'service_tier',
  'safe_prompt',
]);

const MESSAGE_FIELDS: Record<string, ReadonlySet<string>> = {
  system: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'prefix']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
};

const CHUNK_FIELDS: Record<string, ReadonlySet<string>> = {
  text: new Set(['type', 'text']),
  image_url: new Set(['type', 'image_url']),
  document_url: new Set(['type', 'document_url', 'document_name']),
  file: new Set(['type', 'file_id']),
  input_audio: new Set(['type', 'input_audio']),
  thinking: new Set(['type', 'thinking', 'signature', 'closed']),
  reference: new Set(['type', 'reference_ids']),
};

const TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;
const EFFORTS = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
const NON_TEXT_CHUNK_CHARS = 85 * 4;

type Json = Record<string, unknown>;

export function validateMistralChat(body: unknown): MistralValidation {
  if (!isObject(body))
    return fail(
      wrongType(
        [],
        'model_attributes_type',
        'Input should be a valid dictionary or object to extract fields from',
        body,
      ),
    );
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return fail(extraForbidden([key], body[key]));
  if (body.model === undefined) return fail(missingField(['model'], body));
  if (typeof body.model !== 'string')
    return fail(wrongType(['model'], 'string_type', 'Input should be a valid string', body.model));
  if (body.messages === undefined) return fail(missingField(['messages'], body));
  if (!Array.isArray(body.messages))
    return fail(wrongType(['messages'], 'list_type', 'Input should be a valid list', body.messages));
  for (const key of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'] as const) {
    const value = body[key];
    if (value !== undefined && value !== null && typeof value !== 'number') {
      return fail(wrongType([key], 'float_type', 'Input should be a valid number', value));
    }
  }
  for (const key of ['max_tokens', 'random_seed', 'n'] as const) {
    const value = body[key];
    if (value !== undefined && value !== null && !Number.isInteger(value)) {
      return fail(wrongType([key], 'int_type', 'Input should be a valid integer', value));
    }
  }
  for (const key of ['stream', 'parallel_tool_calls', 'safe_prompt'] as const) {
    const value = body[key];
    if (value !== undefined && typeof value !== 'boolean')
      return fail(wrongType([key], 'bool_type', 'Input should be a valid boolean', value));
  }
  const effort = body.reasoning_effort;
  if (effort !== undefined && effort !== null && !EFFORTS.has(String(effort))) {
    return fail(
      wrongType(
        ['reasoning_effort'],
        'enum',
        "Input should be 'none', 'minimal', 'low', 'medium', 'high' or 'xhigh'",
        effort,
      ),
    );
  }
  if (body.prompt_mode !== undefined && body.prompt_mode !== null && body.prompt_mode !== 'reasoning') {
    return fail(wrongType(['prompt_mode'], 'enum', "Input should be 'reasoning'", body.prompt_mode));
  }

  const messages = checkMessages(body.messages);
  if ('error' in messages) return fail(messages.error);
  const tools = checkTools(body.tools);
  if ('error' in tools) return fail(tools.error);
  const toolChoice = checkToolChoice(body.tool_choice);
  if ('error' in toolChoice) return fail(toolChoice.error);
  const format = checkResponseFormat(body.response_format);
  if ('error' in format) return fail(format.error);
  const stop = body.stop;
  if (
    stop !== undefined &&
    stop !== null &&
    typeof stop !== 'string' &&
    !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))
  ) {
    return fail(wrongType(['stop'], 'string_type', 'Input should be a valid string', stop));
  }

  const n = typeof body.n === 'number' ? body.n : 1;
  if (n < 1) return fail(mistralError(400, 'n must be at least 1'));
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  return {
    ok: true,
    request: {
      model: body.model,
      stream: body.stream === true,
      n,
      maxTokens,
      stop: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? (stop as string[]) : undefined,
      tools: tools.value,
      toolChoice: toolChoice.value,
      responseFormat: format.value,
      promptMode: typeof body.prompt_mode === 'string' ? body.prompt_mode : undefined,
      ...messages.value,
    },
  };
}

type Checked<T> = { value: T } | { error: MistralErrorResponse };

function checkMessages(
  messages: unknown[],
): Checked<
  Pick<
    MistralChatRequest,
    'lastUserText' | 'messageChars' | 'lastMessageIsToolResult' | 'toolResultText' | 'assistantPrefix'
  >
> {
  if (messages.length === 0) return { error: mistralError(400, 'Messages list must not be empty') };
  let lastUserText = '';
  let assistantPrefix: string | undefined;
  let messageChars = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (!isObject(message))
      return {
        error: wrongType(
          ['messages', i],
          'model_attributes_type',
          'Input should be a valid dictionary',
          message,
        ),
      };
    const role = message.role;
    const allowed = typeof role === 'string' ? ownValue(MESSAGE_FIELDS, role) : undefined;
    if (allowed === undefined) {
      return {
        error: validationError([
          {
            type: 'union_tag_invalid',
            loc: ['body', 'messages', i],
            msg: `Input tag '${String(role)}' found using 'role' does not match any of the expected tags: 'assistant', 'system', 'tool', 'user'`,
            input: message,
          },
        ]),
      };
    }
    for (const key of Object.keys(message)) {
      if (!allowed.has(key))
        return { error: extraForbidden(['messages', i, role as string, key], message[key]) };
    }
    const content = checkContent(message.content, ['messages', i, role as string, 'content']);
    if ('error' in content) return content;
    messageChars += content.value.chars;
    if (role === 'user') lastUserText = content.value.text;
    assistantPrefix =
      role === 'assistant' && message.prefix === true && i === messages.length - 1
        ? content.value.text
        : undefined;
    if (role === 'assistant') {
      const calls = message.tool_calls;
      const hasCalls = Array.isArray(calls) && calls.length > 0;
      if (!hasCalls && content.value.empty && message.prefix !== true) {
        return {
          error: mistralError(400, 'Assistant message must have either content or tool_calls, but not none.'),
        };
      }
      if (hasCalls) {
        for (let k = 0; k < calls.length; k++) {
          const call = calls[k];
          const checked = checkToolCall(call, ['messages', i, 'assistant', 'tool_calls', k]);
          if (checked !== undefined) return { error: checked };
          messageChars += JSON.stringify(call).length;
        }
      }
    }
    if (role === 'tool') {
      const id = message.tool_call_id;
      if (typeof id === 'string' && !TOOL_CALL_ID.test(id)) return { error: badToolCallId(id) };
    }
  }
  const last = messages.at(-1) as Json;
  const trailing: string[] = [];
  for (let i = messages.length - 1; i >= 0 && (messages[i] as Json).role === 'tool'; i--) {
    trailing.unshift(textOf((messages[i] as Json).content));
  }
  return {
    value: {
      lastUserText,
      messageChars,
      lastMessageIsToolResult: last.role === 'tool',
      toolResultText: trailing.length > 0 ? trailing.join('\n') : undefined,
      assistantPrefix,
    },
  };
}

function checkContent(
  content: unknown,
  loc: Array<string | number>,
): Checked<{ text: string; chars: number; empty: boolean }> {
  if (content === undefined || content === null) return { value: { text: '', chars: 0, empty: true } };
  if (typeof content === 'string')
    return { value: { text: content, chars: content.length, empty: content === '' } };
  if (!Array.isArray(content))
    return { error: wrongType(loc, 'string_type', 'Input should be a valid string', content) };
  let text = '';
  let chars = 0;
  for (let j = 0; j < content.length; j++) {
    const chunk = content[j];
    const type = isObject(chunk) ? chunk.type : undefined;
    const allowed = typeof type === 'string' ? ownValue(CHUNK_FIELDS, type) : undefined;
    if (!isObject(chunk) || allowed === undefined) {
      return {
        error: validationError([
          {
            type: 'union_tag_invalid',
            loc: ['body', ...loc, j],
            msg: `Input tag '${String(type)}' found using 'type' does not match any of the expected tags`,
            input: chunk,
          },
        ]),
      };
    }
    for (const key of Object.keys(chunk))
      if (!allowed.has(key)) return { error: extraForbidden([...loc, j, type as string, key], chunk[key]) };
    if (type === 'text') {
      if (typeof chunk.text !== 'string') return { error: missingField([...loc, j, 'text', 'text'], chunk) };
      text += (text === '' ? '' : '\n') + chunk.text;
      chars += chunk.text.length;
    } else if (type === 'image_url') {
      const image = chunk.image_url;
      const ok =
        typeof image === 'string' ||
        (isObject(image) &&
          typeof image.url === 'string' &&
          Object.keys(image).every((k) => k === 'url' || k === 'detail'));
      if (!ok)
        return {
          error: wrongType(
            [...loc, j, 'image_url', 'image_url'],
            'string_type',
            'Input should be a valid string',
            image,
          ),
        };
      chars += NON_TEXT_CHUNK_CHARS;
    } else if (type === 'input_audio') {
      if (typeof chunk.input_audio !== 'string')
        return {
          error: wrongType(
            [...loc, j, 'input_audio', 'input_audio'],
            'string_type',
            'Input should be a valid string',
            chunk.input_audio,
          ),
        };
      chars += NON_TEXT_CHUNK_CHARS;
    } else {
      chars += NON_TEXT_CHUNK_CHARS;
    }
  }
  return { value: { text, chars, empty: content.length === 0 } };
}

function checkToolCall(call: unknown, loc: Array<string | number>): MistralErrorResponse | undefined {
  if (!isObject(call))
    return wrongType(loc, 'model_attributes_type', 'Input should be a valid dictionary', call);
  for (const key of Object.keys(call))
    if (!['id', 'type', 'function', 'index'].includes(key)) return extraForbidden([...loc, key], call[key]);
  if (typeof call.id === 'string' && !TOOL_CALL_ID.test(call.id)) return badToolCallId(call.id);
  const fn = call.function;
  if (!isObject(fn) || typeof fn.name !== 'string') return missingField([...loc, 'function', 'name'], fn);
  return undefined;
}

function badToolCallId(id: string): MistralErrorResponse {
  return mistralError(400, `Tool call id was ${id} but must be a-z, A-Z, 0-9, with a length of 9.`);
}

function checkTools(tools: unknown): Checked<FakeTool[]> {
  if (tools === undefined || tools === null) return { value: [] };
  if (!Array.isArray(tools))
    return { error: wrongType(['tools'], 'list_type', 'Input should be a valid list', tools) };
  const out: FakeTool[] = [];
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i];
    if (!isObject(tool))
      return {
        error: wrongType(['tools', i], 'model_attributes_type', 'Input should be a valid dictionary', tool),
      };
    for (const key of Object.keys(tool))
      if (key !== 'type' && key !== 'function')
        return { error: extraForbidden(['tools', i, key], tool[key]) };
    const fn = tool.function;
    if (!isObject(fn)) return { error: missingField(['tools', i, 'function'], tool) };
    for (const key of Object.keys(fn)) {
      if (!['name', 'description', 'strict', 'parameters'].includes(key))
        return { error: extraForbidden(['tools', i, 'function', key], fn[key]) };
    }
    if (typeof fn.name !== 'string') return { error: missingField(['tools', i, 'function', 'name'], fn) };
    if (!isObject(fn.parameters)) return { error: missingField(['tools', i, 'function', 'parameters'], fn) };
    out.push({ name: fn.name, parameters: fn.parameters });
  }
  return { value: out };
}

function checkToolChoice(choice: unknown): Checked<FakeToolChoice> {
  if (choice === undefined || choice === null || choice === 'auto') return { value: 'auto' };
  if (choice === 'none') return { value: 'none' };
  // §4.2: `any` and `required` both mean "call at least one tool".
  if (choice === 'any' || choice === 'required') return { value: 'required' };
  if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') {
    return { value: { name: choice.function.name } };
  }
  return {
    error: wrongType(['tool_choice'], 'enum', "Input should be 'auto', 'none', 'any' or 'required'", choice),
  };
}

function checkResponseFormat(format: unknown): Checked<FakeResponseFormat> {
  if (format === undefined || format === null) return { value: { type: 'text' } };
  if (!isObject(format))
    return {
      error: wrongType(
        ['response_format'],
        'model_attributes_type',
        'Input should be a valid dictionary',
        format,
      ),
    };
  for (const key of Object.keys(format))
    if (key !== 'type' && key !== 'json_schema')
      return { error: extraForbidden(['response_format', key], format[key]) };
  const type = format.type ?? 'text';
  if (type === 'text' || type === 'json_object') return { value: { type } };
  if (type !== 'json_schema') {
    return {
      error: wrongType(
        ['response_format', 'type'],
        'enum',
        "Input should be 'text', 'json_object' or 'json_schema'",
        type,
      ),
    };
  }
  const schema = format.json_schema;
  if (!isObject(schema))
    return {
      error: mistralError(400, 'json_schema must be provided when response_format type is json_schema'),
    };
  for (const key of Object.keys(schema)) {
    if (!['name', 'description', 'schema', 'strict'].includes(key))
      return { error: extraForbidden(['response_format', 'json_schema', key], schema[key]) };
  }
  if (typeof schema.name !== 'string')
    return { error: missingField(['response_format', 'json_schema', 'name'], schema) };
  if (!isObject(schema.schema))
    return { error: missingField(['response_format', 'json_schema', 'schema'], schema) };
  return { value: { type: 'json_schema', schema: schema.schema } };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c) => (isObject(c) && typeof c.text === 'string' ? c.text : '')).join('');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(error: MistralErrorResponse): MistralValidation {
  return { ok: false, error };
}
