/**
 * validateMessagesRequest(body, { version, catalogue, strictModels }): checks a POST /v1/messages
 * body the way the Messages API does (docs/providers.md §2.2–2.4) and returns either the normalized
 * request the fake needs or the error it would send.
 *
 * Covered: unknown top-level fields ("x: Extra inputs are not permitted"; under 2026-10-21 that
 * includes temperature/top_p/top_k); model (404 for an unknown one); max_tokens (required, the
 * model's ceiling); messages (roles, a `system` role except on Opus 4.8, content blocks and their
 * shapes, empty text, tool_use ↔ tool_result pairing, trailing whitespace in a final assistant
 * turn, the thinking block a thinking tool loop must start with, thinking signatures);
 * system; stop_sequences; sampling parameters per model and with thinking; thinking (types per
 * model, budget ≥ 1024 and < max_tokens); output_config (effort levels, structured-output schemas
 * with closed objects); tools (names, object schemas, unique names); tool_choice (needs tools,
 * named tool exists, no forced tool while thinking or on models that refuse it); metadata
 * (user_id only); service_tier; at most 4 cache_control breakpoints.
 *
 * Wording follows the API where it is known from client reports; lines marked [UNV] are
 * plausible wording for rules whose exact message was not found.
 */
import type { FakeResponseFormat, FakeTool, FakeToolChoice } from '../shared/reply-plan.ts';
import { type AnthropicErrorResponse, anthropicError, invalidRequest } from './errors.ts';
import { type AnthropicModel, findModel, genericModel } from './models.ts';
import { verifyRedactedThinking, verifyThinkingSignature } from './thinking.ts';

export type ApiVersion = '2023-06-01' | '2026-10-21';
export const API_VERSIONS: readonly ApiVersion[] = ['2023-06-01', '2026-10-21'];

export type Block = Record<string, unknown> & { type: string };

export interface Turn {
  role: 'user' | 'assistant' | 'system';
  blocks: Block[];
}

export interface CacheMarker {
  ttl: '5m' | '1h';
}

export interface MessagesRequest {
  model: AnthropicModel;
  maxTokens: number;
  system: Block[];
  /** After the API's own merge of consecutive same-role messages. */
  turns: Turn[];
  tools: FakeTool[];
  /** The raw tool definitions, for prompt size and caching. */
  toolDefs: Block[];
  toolChoice: FakeToolChoice;
  stream: boolean;
  stopSequences: string[];
  thinking: { on: boolean; display: 'summarized' | 'omitted' };
  responseFormat: FakeResponseFormat;
  /** Top-level cache_control: marks the last cacheable block. */
  autoCache: CacheMarker | undefined;
}

export type ValidationResult =
  | { ok: true; request: MessagesRequest }
  | { ok: false; error: AnthropicErrorResponse };

const KNOWN_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'stop_sequences',
  'stream',
  'thinking',
  'output_config',
  'tools',
  'tool_choice',
  'metadata',
  'service_tier',
  'cache_control',
  'container',
  'inference_geo',
  'diagnostics',
  'speed',
  'mcp_servers',
  'context_management',
]);
/** Removed by API version 2026-10-21, still accepted by 2023-06-01. */
const SAMPLING_FIELDS = ['temperature', 'top_p', 'top_k'] as const;

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const TOOL_ID = /^[a-zA-Z0-9_-]+$/;
const SERVER_TOOL =
  /^(?:bash|code_execution|computer|text_editor|web_search|web_fetch|memory|tool_search_tool_(?:regex|bm25)|browser)_\d{8}$/;
/** Schema keywords constrained decoding does not enforce: a strict schema with them is a 400. */
const UNSUPPORTED_SCHEMA_KEYWORDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'patternProperties',
];

class Invalid extends Error {
  readonly response: AnthropicErrorResponse;
  constructor(response: AnthropicErrorResponse) {
    super(response.body.error.message);
    this.response = response;
  }
}

function fail(message: string): never {
  throw new Invalid(invalidRequest(message));
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ValidateOptions {
  version: ApiVersion;
  catalogue: readonly AnthropicModel[];
  strictModels: boolean;
  /** For thinking signatures and cache keys: what this fake issued. */
  secret: string;
}

export function validateMessagesRequest(body: unknown, options: ValidateOptions): ValidationResult {
  try {
    return { ok: true, request: parse(body, options) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, error: error.response };
    throw error;
  }
}

function parse(body: unknown, options: ValidateOptions): MessagesRequest {
  if (!isObject(body)) fail('Input should be a valid dictionary or object to extract fields from');
  for (const key of Object.keys(body)) {
    const sampling = (SAMPLING_FIELDS as readonly string[]).includes(key);
    if (!KNOWN_FIELDS.has(key) && (!sampling || options.version === '2026-10-21'))
      fail(`${key}: Extra inputs are not permitted`);
  }
  if (body.model === undefined) fail('model: Field required');
  if (typeof body.model !== 'string' || body.model === '') fail('model: Input should be a valid string');
  if (body.max_tokens === undefined) fail('max_tokens: Field required');
  if (!Number.isInteger(body.max_tokens)) fail('max_tokens: Input should be a valid integer');
  if (body.messages === undefined) fail('messages: Field required');
  if (!Array.isArray(body.messages)) fail('messages: Input should be a valid list');

  const model =
    findModel(options.catalogue, body.model) ?? (options.strictModels ? undefined : genericModel(body.model));
  if (model === undefined) throw new Invalid(anthropicError(404, 'not_found_error', `model: ${body.model}`));
  const maxTokens = body.max_tokens as number;
  if (maxTokens < 0) fail('max_tokens: Input should be greater than or equal to 0');
  if (maxTokens > model.maxOutputTokens) {
    fail(
      `max_tokens: ${maxTokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.id}`,
    );
  }

  const breakpoints = { count: 0 };
  const system = parseSystem(body.system, breakpoints);
  const turns = parseMessages(body.messages, model, breakpoints);
  const { tools, toolDefs } = parseTools(body.tools, breakpoints);
  const thinking = parseThinking(body.thinking, model, maxTokens);
  const toolChoice = parseToolChoice(body.tool_choice, tools, model, thinking.on);
  checkSampling(body, model, thinking.on);
  const responseFormat = parseOutputConfig(body.output_config, model);
  checkToolLoopThinking(turns, thinking.on);
  checkSignatures(turns, model, options.secret);
  const stopSequences = parseStopSequences(body.stop_sequences);
  if (body.stream !== undefined && typeof body.stream !== 'boolean')
    fail('stream: Input should be a valid boolean');
  parseMetadata(body.metadata);
  if (
    body.service_tier !== undefined &&
    body.service_tier !== 'auto' &&
    body.service_tier !== 'standard_only'
  ) {
    fail("service_tier: Input should be 'auto' or 'standard_only'");
  }
  const autoCache =
    body.cache_control === undefined || body.cache_control === null
      ? undefined
      : cacheMarker(body.cache_control, 'cache_control');
  if (autoCache !== undefined) breakpoints.count++;
  if (breakpoints.count > 4)
    fail(`A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints.count}.`);

  return {
    model,
    maxTokens,
    system,
    turns,
    tools,
    toolDefs,
    toolChoice,
    stream: body.stream === true,
    stopSequences,
    thinking,
    responseFormat: responseFormat ?? jsonModeFromSystem(system),
    autoCache,
  };
}

function parseSystem(value: unknown, breakpoints: { count: number }): Block[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [{ type: 'text', text: value }];
  if (!Array.isArray(value)) fail('system: Input should be a valid string or a valid list');
  return value.map((block, i) => {
    const path = `system.${i}`;
    if (!isObject(block) || block.type !== 'text') fail(`${path}.type: Input should be 'text'`);
    checkText(block, path);
    countMarker(block, path, breakpoints);
    return block as Block;
  });
}

function parseMessages(value: unknown[], model: AnthropicModel, breakpoints: { count: number }): Turn[] {
  const turns: Turn[] = [];
  value.forEach((message, i) => {
    const path = `messages.${i}`;
    if (!isObject(message)) fail(`${path}: Input should be a valid dictionary`);
    const role = message.role;
    if (role === 'system' && !model.midConversationSystem) {
      fail(
        `${path}: Unexpected role "system". The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`,
      );
    }
    if (role !== 'user' && role !== 'assistant' && role !== 'system')
      fail(`${path}.role: Input should be 'user' or 'assistant'`);
    const blocks = parseContent(message.content, path, role, breakpoints);
    const last = turns.at(-1);
    // "Consecutive user or assistant turns in your request will be combined into a single turn."
    if (last !== undefined && last.role === role && role !== 'system') last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  });
  if (turns.length === 0) fail('messages: at least one message is required'); // [UNV]
  turns.forEach((turn, i) => {
    const isFinalAssistant = i === turns.length - 1 && turn.role === 'assistant';
    if (turn.blocks.length === 0 && !isFinalAssistant) {
      fail(
        `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
  });
  const final = turns.at(-1);
  if (final?.role === 'assistant') {
    const lastBlock = final.blocks.at(-1);
    if (
      lastBlock?.type === 'text' &&
      typeof lastBlock.text === 'string' &&
      lastBlock.text !== lastBlock.text.trimEnd()
    ) {
      fail('messages: final assistant content cannot end with trailing whitespace');
    }
  }
  checkToolPairing(turns);
  return turns;
}

function parseContent(content: unknown, path: string, role: string, breakpoints: { count: number }): Block[] {
  if (typeof content === 'string') {
    if (content === '') return [];
    return [{ type: 'text', text: content }];
  }
  if (content === undefined) fail(`${path}.content: Field required`);
  if (!Array.isArray(content)) fail(`${path}.content: Input should be a valid string or a valid list`);
  return content.map((block, j) => parseBlock(block, `${path}.content.${j}`, role, breakpoints));
}

const USER_BLOCKS = ['text', 'image', 'document', 'search_result', 'tool_result'];
const ASSISTANT_BLOCKS = [
  'text',
  'thinking',
  'redacted_thinking',
  'tool_use',
  'server_tool_use',
  'web_search_tool_result',
];

function parseBlock(block: unknown, path: string, role: string, breakpoints: { count: number }): Block {
  if (!isObject(block) || typeof block.type !== 'string')
    fail(`${path}: Input should be a valid dictionary with a 'type'`);
  const allowed = role === 'assistant' ? ASSISTANT_BLOCKS : role === 'system' ? ['text'] : USER_BLOCKS;
  if (!allowed.includes(block.type)) {
    fail(
      `${path}: Input tag '${block.type}' found using 'type' does not match any of the expected tags: ${allowed.map((t) => `'${t}'`).join(', ')}`,
    );
  }
  countMarker(block, path, breakpoints);
  switch (block.type) {
    case 'text':
      checkText(block, path);
      break;
    case 'image':
      checkImage(block, path);
      break;
    case 'tool_use':
      if (typeof block.id !== 'string' || !TOOL_ID.test(block.id))
        fail(`${path}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (typeof block.name !== 'string' || block.name === '') fail(`${path}.name: Field required`);
      if (!isObject(block.input)) fail(`${path}.input: Input should be a valid dictionary`);
      break;
    case 'tool_result':
      if (typeof block.tool_use_id !== 'string') fail(`${path}.tool_use_id: Field required`);
      if (block.content !== undefined && typeof block.content !== 'string') {
        if (!Array.isArray(block.content))
          fail(`${path}.content: Input should be a valid string or a valid list`);
        block.content.forEach((part, k) => {
          const partPath = `${path}.content.${k}`;
          if (
            !isObject(part) ||
            !['text', 'image', 'document', 'search_result'].includes(String(part.type))
          ) {
            fail(
              `${partPath}: Input tag '${String((part as Obj | null)?.type)}' found using 'type' does not match any of the expected tags`,
            );
          }
          if (part.type === 'text') checkText(part, partPath);
          if (part.type === 'image') checkImage(part, partPath);
        });
      }
      if (block.is_error !== undefined && typeof block.is_error !== 'boolean')
        fail(`${path}.is_error: Input should be a valid boolean`);
      break;
    case 'thinking':
      if (typeof block.thinking !== 'string') fail(`${path}.thinking: Field required`);
      if (typeof block.signature !== 'string') fail(`${path}.signature: Field required`);
      break;
    case 'redacted_thinking':
      if (typeof block.data !== 'string') fail(`${path}.data: Field required`);
      break;
    default:
      break;
  }
  return block as Block;
}

function checkText(block: Obj, path: string): void {
  if (typeof block.text !== 'string') fail(`${path}.text: Field required`);
  if (block.text === '') fail(`${path}.text: text content blocks must be non-empty`);
}

function checkImage(block: Obj, path: string): void {
  const source = block.source;
  if (!isObject(source)) fail(`${path}.source: Field required`);
  if (source.type === 'base64') {
    if (!IMAGE_TYPES.includes(String(source.media_type))) {
      fail(
        `${path}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`,
      );
    }
    if (typeof source.data !== 'string' || source.data === '')
      fail(`${path}.source.base64.data: Field required`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(source.data))
      fail(`${path}.source.base64.data: The image data is not valid base64`); // [UNV]
  } else if (source.type === 'url') {
    if (typeof source.url !== 'string' || !/^https?:\/\//.test(source.url))
      fail(`${path}.source.url.url: Input should be a valid URL`);
  } else if (source.type === 'file') {
    if (typeof source.file_id !== 'string') fail(`${path}.source.file.file_id: Field required`);
  } else {
    fail(
      `${path}.source: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`,
    );
  }
}

function countMarker(block: Obj, path: string, breakpoints: { count: number }): void {
  if (block.cache_control === undefined || block.cache_control === null) return;
  cacheMarker(block.cache_control, `${path}.cache_control`);
  breakpoints.count++;
}

function cacheMarker(value: unknown, path: string): CacheMarker {
  if (!isObject(value) || value.type !== 'ephemeral') fail(`${path}.type: Input should be 'ephemeral'`);
  if (value.ttl !== undefined && value.ttl !== '5m' && value.ttl !== '1h')
    fail(`${path}.ttl: Input should be '5m' or '1h'`);
  return { ttl: value.ttl === '1h' ? '1h' : '5m' };
}

/** Every tool_use is answered by a tool_result in the next (user) turn, results first. */
function checkToolPairing(turns: Turn[]): void {
  turns.forEach((turn, i) => {
    if (turn.role !== 'user') return;
    const previous = turns[i - 1];
    const called = new Set(
      previous?.role === 'assistant'
        ? previous.blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id))
        : [],
    );
    turn.blocks.forEach((block, j) => {
      if (block.type === 'tool_result' && !called.has(String(block.tool_use_id))) {
        fail(
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
        );
      }
    });
  });
  turns.forEach((turn, i) => {
    if (turn.role !== 'assistant') return;
    const ids = turn.blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
    if (ids.length === 0) return;
    const next = turns[i + 1];
    // Results must lead the next turn: a tool_result after other content does not count.
    const leading = new Set<string>();
    for (const block of next?.role === 'user' ? next.blocks : []) {
      if (block.type !== 'tool_result') break;
      leading.add(String(block.tool_use_id));
    }
    const missing = ids.filter((id) => !leading.has(id));
    if (missing.length > 0) {
      fail(
        `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
  });
}

function parseTools(
  value: unknown,
  breakpoints: { count: number },
): { tools: FakeTool[]; toolDefs: Block[] } {
  if (value === undefined || value === null) return { tools: [], toolDefs: [] };
  if (!Array.isArray(value)) fail('tools: Input should be a valid list');
  const tools: FakeTool[] = [];
  const names = new Set<string>();
  value.forEach((tool, i) => {
    const path = `tools.${i}`;
    if (!isObject(tool)) fail(`${path}: Input should be a valid dictionary`);
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
      // A versioned server or client-defined Anthropic tool (web_search_20250305, bash_20250124, …) runs as Anthropic defines it.
      if (typeof tool.type === 'string' && SERVER_TOOL.test(tool.type)) return;
      fail(
        `${path}: Input tag '${String(tool.type)}' found using 'type' does not match any of the expected tags: 'custom', 'bash_20250124', 'code_execution_20250825', 'memory_20250818', 'text_editor_20250728', 'web_search_20250305', 'web_fetch_20250910', …`,
      );
    }
    for (const key of Object.keys(tool)) {
      if (
        ![
          'name',
          'description',
          'input_schema',
          'cache_control',
          'strict',
          'type',
          'input_examples',
          'defer_loading',
          'eager_input_streaming',
          'allowed_callers',
        ].includes(key)
      ) {
        fail(`${path}.custom.${key}: Extra inputs are not permitted`);
      }
    }
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name))
      fail(`${path}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    if (names.has(tool.name)) fail('tools: Tool names must be unique.');
    names.add(tool.name);
    if (!isObject(tool.input_schema)) fail(`${path}.custom.input_schema: Field required`);
    if (tool.input_schema.type !== 'object')
      fail(`${path}.custom.input_schema.type: Input should be 'object'`);
    if (tool.strict === true) checkStrictSchema(tool.input_schema, `${path}.custom.input_schema`);
    countMarker(tool, path, breakpoints);
    tools.push({ name: tool.name, parameters: tool.input_schema });
  });
  return { tools, toolDefs: value as Block[] };
}

function parseToolChoice(
  value: unknown,
  tools: FakeTool[],
  model: AnthropicModel,
  thinking: boolean,
): FakeToolChoice {
  if (value === undefined || value === null) return tools.length > 0 ? 'auto' : 'none';
  if (!isObject(value)) fail('tool_choice: Input should be a valid dictionary');
  if (tools.length === 0 && value.type !== 'none')
    fail('tool_choice may only be specified while providing tools.');
  if (value.disable_parallel_tool_use !== undefined && typeof value.disable_parallel_tool_use !== 'boolean') {
    fail(`tool_choice.${String(value.type)}.disable_parallel_tool_use: Input should be a valid boolean`);
  }
  const forced = value.type === 'any' || value.type === 'tool';
  if (forced && thinking) fail('Thinking may not be enabled when tool_choice forces tool use.');
  if (forced && !model.forcedToolUse)
    fail(`tool_choice: forcing tool use is not supported by ${model.id}; use {"type": "auto"}.`); // [UNV]
  switch (value.type) {
    case 'auto':
      return 'auto';
    case 'none':
      return 'none';
    case 'any':
      return 'required';
    case 'tool': {
      if (typeof value.name !== 'string') fail('tool_choice.tool.name: Field required');
      const name = value.name;
      if (!tools.some((t) => t.name === name))
        fail(`tool_choice.tool.name: Tool '${name}' not found in tools`); // [UNV]
      return { name };
    }
    default:
      fail(
        `tool_choice: Input tag '${String(value.type)}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`,
      );
  }
}

function parseThinking(
  value: unknown,
  model: AnthropicModel,
  maxTokens: number,
): MessagesRequest['thinking'] {
  const off = { on: false, display: 'summarized' as const };
  if (value === undefined || value === null)
    return model.thinksByDefault ? { on: true, display: 'summarized' } : off;
  if (!isObject(value)) fail('thinking: Input should be a valid dictionary');
  const display = value.display === 'omitted' ? 'omitted' : 'summarized';
  if (
    value.display !== undefined &&
    value.display !== null &&
    value.display !== 'summarized' &&
    value.display !== 'omitted'
  ) {
    fail(`thinking.${String(value.type)}.display: Input should be 'summarized' or 'omitted'`);
  }
  switch (value.type) {
    case 'disabled':
      if (model.thinkingOff === 'never') fail(`thinking: thinking cannot be disabled for ${model.id}.`); // [UNV]
      if (model.thinkingOff === 'between_tools')
        fail(`thinking.type.disabled is not supported for ${model.id}; use {"type": "between_tools"}.`); // [UNV]
      return off;
    case 'between_tools':
      if (model.thinkingOff !== 'between_tools')
        fail(`thinking.type.between_tools is not supported for ${model.id}.`); // [UNV]
      return { on: true, display };
    case 'enabled': {
      if (model.thinking === 'none') fail(`thinking: ${model.id} does not support extended thinking.`); // [UNV]
      if (model.thinking === 'adaptive') {
        fail(
          `thinking.type.enabled is not supported for ${model.id}. Use thinking.type.adaptive and output_config.effort to control thinking.`,
        ); // [UNV]
      }
      const budget = value.budget_tokens;
      if (budget === undefined) fail('thinking.enabled.budget_tokens: Field required');
      if (!Number.isInteger(budget)) fail('thinking.enabled.budget_tokens: Input should be a valid integer');
      if ((budget as number) < 1024)
        fail('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
      if ((budget as number) >= maxTokens) {
        fail(
          '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size',
        );
      }
      return { on: true, display };
    }
    case 'adaptive':
      if (model.thinking === 'none' || model.thinking === 'budget')
        fail(`thinking.type.adaptive is not supported for ${model.id}.`); // [UNV]
      return { on: true, display };
    default:
      fail(
        `thinking: Input tag '${String(value.type)}' found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive', 'between_tools'`,
      );
  }
}

function checkSampling(body: Obj, model: AnthropicModel, thinking: boolean): void {
  const temperature = body.temperature;
  const topP = body.top_p;
  const topK = body.top_k;
  for (const [name, value, max] of [
    ['temperature', temperature, 1],
    ['top_p', topP, 1],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'number') fail(`${name}: Input should be a valid number`);
    if (value < 0) fail(`${name}: Input should be greater than or equal to 0`);
    if (value > max) fail(`${name}: Input should be less than or equal to ${max}`);
  }
  if (topK !== undefined && (!Number.isInteger(topK) || (topK as number) < 0))
    fail('top_k: Input should be a valid integer');
  if (model.sampling === 'none') {
    // Opus 4.7 and later: "`temperature` is deprecated for this model." (non-default values on 5.x).
    if (temperature !== undefined && temperature !== 1) fail('`temperature` is deprecated for this model.');
    if (topP !== undefined && topP !== 1) fail('`top_p` is deprecated for this model.');
    if (topK !== undefined) fail('`top_k` is deprecated for this model.');
  }
  if (model.sampling === 'either' && temperature !== undefined && topP !== undefined) {
    fail('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
  }
  if (thinking) {
    if (temperature !== undefined && temperature !== 1) {
      fail(
        '`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility',
      );
    }
    if (topP !== undefined && (topP as number) < 0.95)
      fail('`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.');
    if (topK !== undefined) fail('`top_k` must be unset when thinking is enabled.');
  }
}

function parseOutputConfig(value: unknown, model: AnthropicModel): FakeResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) fail('output_config: Input should be a valid dictionary');
  for (const key of Object.keys(value))
    if (key !== 'effort' && key !== 'format') fail(`output_config.${key}: Extra inputs are not permitted`);
  const effort = value.effort;
  if (effort !== undefined && effort !== null) {
    if (!EFFORTS.includes(String(effort)))
      fail("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
    const takesEffort =
      model.thinking === 'adaptive' ||
      model.thinking === 'budget+adaptive' ||
      model.id.startsWith('claude-opus-4-5');
    if (!takesEffort) fail(`output_config.effort: effort is not supported for ${model.id}.`); // [UNV]
    if (effort === 'xhigh' && model.thinking !== 'adaptive')
      fail(`output_config.effort: 'xhigh' is not supported for ${model.id}.`); // [UNV]
  }
  const format = value.format;
  if (format === undefined || format === null) return undefined;
  if (!isObject(format) || format.type !== 'json_schema')
    fail("output_config.format.type: Input should be 'json_schema'");
  if (!isObject(format.schema)) fail('output_config.format.schema: Field required');
  checkStrictSchema(format.schema, 'output_config.format.schema');
  return { type: 'json_schema', schema: format.schema };
}

/** Structured outputs and strict tools: closed objects, no constraints the grammar cannot enforce. */
function checkStrictSchema(schema: Obj, path: string): void {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!isObject(node)) return;
    const isObjectType = node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object'));
    if (isObjectType && node.additionalProperties !== false) {
      fail(`${path}: For 'object' type, 'additionalProperties' must be explicitly set to false`);
    }
    for (const keyword of UNSUPPORTED_SCHEMA_KEYWORDS) {
      if (keyword in node && !isObject(node[keyword]))
        fail(`${path}: '${keyword}' is not supported in structured output schemas`); // [UNV]
    }
    for (const key of ['properties', '$defs', 'definitions']) {
      const children = node[key];
      if (isObject(children)) for (const child of Object.values(children)) walk(child);
    }
    for (const key of ['items', 'anyOf', 'allOf', 'oneOf']) walk(node[key]);
  };
  walk(schema);
}

/**
 * With thinking on, a tool loop in progress (the conversation ends in tool results) must hand back
 * the assistant turn that called the tools with its thinking first.
 */
function checkToolLoopThinking(turns: Turn[], thinking: boolean): void {
  if (!thinking) return;
  const last = turns.at(-1);
  if (last?.role !== 'user' || !last.blocks.some((b) => b.type === 'tool_result')) return;
  const index = turns.length - 2;
  const first = turns[index]?.blocks[0];
  if (first !== undefined && first.type !== 'thinking' && first.type !== 'redacted_thinking') {
    fail(
      `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
    );
  }
}

/**
 * Thinking and redacted_thinking blocks must come back exactly as this fake wrote them (thinking
 * blocks on 5.5 models also to the same model).
 */
function checkSignatures(turns: Turn[], model: AnthropicModel, secret: string): void {
  turns.forEach((turn, i) => {
    turn.blocks.forEach((block, j) => {
      if (
        block.type === 'thinking' &&
        !verifyThinkingSignature(secret, String(block.thinking), String(block.signature), model)
      ) {
        fail(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
      }
      if (block.type === 'redacted_thinking' && !verifyRedactedThinking(secret, String(block.data))) {
        fail(`messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`); // [UNV]
      }
    });
  });
}

function parseStopSequences(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string'))
    fail('stop_sequences: Input should be a valid list of strings');
  return value as string[];
}

function parseMetadata(value: unknown): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) fail('metadata: Input should be a valid dictionary');
  for (const key of Object.keys(value))
    if (key !== 'user_id') fail(`metadata.${key}: Extra inputs are not permitted`);
  if (value.user_id !== undefined && value.user_id !== null) {
    if (typeof value.user_id !== 'string') fail('metadata.user_id: Input should be a valid string');
    if (value.user_id.length > 256) fail('metadata.user_id: String should have at most 256 characters');
  }
}

/** A simulated model follows a system prompt that asks for a JSON object, as Claude does. */
function jsonModeFromSystem(system: Block[]): FakeResponseFormat {
  const text = system.map((b) => String(b.text)).join('\n');
  return /\bJSON object\b/i.test(text) ? { type: 'json_object' } : { type: 'text' };
}
