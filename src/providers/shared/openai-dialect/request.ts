/**
 * Request pieces every OpenAI dialect builds the same way. Dialects are strict about fields in a way
 * OpenAI is not (Mistral answers 422 `extra_forbidden` for any field outside its schema, docs/providers.md
 * §4.2), so their request builders whitelist: they construct a fresh body from the fields they know
 * and never spread the client's request. These helpers hold the parts of that whitelist they share.
 */
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { invalidRequest, unsupportedParameter } from '../../../errors/codes.ts';
import type { ChatMessage, ChatRequest } from '../../../protocol/chat-request.ts';

/** A tool choice after the OpenAI-only forms (allowed_tools, custom) were resolved. */
export type DialectToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } };

export interface DialectTools {
  tools: ChatCompletionFunctionTool[] | undefined;
  toolChoice: DialectToolChoice | undefined;
}

/**
 * Function tools and tool_choice in the form all three dialects accept. `allowed_tools` (a subset the
 * model may call this turn) is emulated by sending only that subset, which restricts the model exactly
 * as OpenAI does; custom (free-grammar) tools have no equivalent and are rejected.
 */
export function toDialectTools(request: ChatRequest, provider: string): DialectTools {
  const source = request.tools ?? [];
  const tools: ChatCompletionFunctionTool[] = [];
  for (let i = 0; i < source.length; i++) {
    const tool = source[i];
    if (tool === undefined) continue;
    if (tool.type !== 'function') {
      throw unsupportedParameter(
        `tools[${i}]`,
        provider,
        'only function tools are supported, not custom tools',
      );
    }
    const fn = tool.function;
    const definition: ChatCompletionFunctionTool['function'] = { name: fn.name };
    if (fn.description !== undefined) definition.description = fn.description;
    // A function without parameters takes none; Mistral's schema requires the field.
    definition.parameters = fn.parameters ?? { type: 'object', properties: {} };
    if (typeof fn.strict === 'boolean') definition.strict = fn.strict;
    tools.push({ type: 'function', function: definition });
  }

  const choice = request.tool_choice;
  let toolChoice: DialectToolChoice | undefined;
  let allowed: Set<string> | undefined;
  if (choice === undefined) toolChoice = undefined;
  else if (typeof choice === 'string') toolChoice = choice;
  else if (choice.type === 'function')
    toolChoice = { type: 'function', function: { name: choice.function.name } };
  else if (choice.type === 'allowed_tools') {
    allowed = new Set();
    for (const entry of choice.allowed_tools.tools) {
      const fn = entry.function as { name?: unknown } | undefined;
      if (entry.type !== 'function' || typeof fn?.name !== 'string') {
        throw unsupportedParameter(
          'tool_choice.allowed_tools.tools',
          provider,
          'only function tools can be allowed',
        );
      }
      allowed.add(fn.name);
    }
    toolChoice = choice.allowed_tools.mode;
  } else {
    throw unsupportedParameter('tool_choice', provider, 'custom tools are not supported');
  }

  if (toolChoice !== undefined && toolChoice !== 'none' && tools.length === 0) {
    throw invalidRequest("'tool_choice' needs 'tools'", 'tool_choice');
  }
  if (
    typeof toolChoice === 'object' &&
    !tools.some((tool) => tool.function.name === toolChoice.function.name)
  ) {
    throw invalidRequest(
      `tool_choice names '${toolChoice.function.name}', which is not in 'tools'`,
      'tool_choice',
    );
  }
  const kept = allowed === undefined ? tools : tools.filter((tool) => allowed.has(tool.function.name));
  if (allowed !== undefined && kept.length === 0) {
    throw invalidRequest('tool_choice.allowed_tools names no tool that is in tools', 'tool_choice');
  }
  return { tools: kept.length > 0 ? kept : undefined, toolChoice };
}

/** `max_completion_tokens` is OpenAI's newer name; it wins when a client sends both. */
export function maxOutputTokens(request: ChatRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}

/** The sampling fields every OpenAI dialect takes under OpenAI's own names. */
export interface DialectSampling {
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  stop?: string | string[] | null;
}

/** Copies the sampling fields the client set onto a dialect body; unset ones stay absent. */
export function applyDialectSampling(request: ChatRequest, body: DialectSampling): void {
  const maxTokens = maxOutputTokens(request);
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  if (request.temperature != null) body.temperature = request.temperature;
  if (request.top_p != null) body.top_p = request.top_p;
  if (request.frequency_penalty != null) body.frequency_penalty = request.frequency_penalty;
  if (request.presence_penalty != null) body.presence_penalty = request.presence_penalty;
  if (request.stop != null) body.stop = request.stop;
}

/** The text of a string-or-text-parts content, joined as OpenAI joins it. */
export function textOf(
  content: string | ReadonlyArray<{ type: string; text?: string; refusal?: string }> | null | undefined,
): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  let out = '';
  for (const part of content) out += part.type === 'refusal' ? (part.refusal ?? '') : (part.text ?? '');
  return out;
}

/**
 * OpenAI-only request fields that ask for an output the dialects cannot produce: a 400 naming the
 * field, never a silent drop. Fields that only steer OpenAI's own service (`store`, `user`,
 * `service_tier`, `prompt_cache_*`, `safety_identifier`, `verbosity`, `moderation`, `metadata`) are
 * left out of the dialect bodies instead, as docs/providers.md §1.2 advises; each adapter's capabilities
 * and README row say so.
 */
export function rejectOpenAIOnlyOutputs(
  request: ChatRequest,
  provider: string,
  allow: ReadonlySet<string> = NONE,
): void {
  const loose = request as Record<string, unknown>;
  const modalities = loose.modalities;
  if (Array.isArray(modalities) && modalities.some((m) => m !== 'text')) {
    throw unsupportedParameter('modalities', provider, 'only text output is supported');
  }
  for (const field of ['audio', 'web_search_options', 'functions', 'function_call', 'prediction'] as const) {
    if (loose[field] !== undefined && loose[field] !== null && !allow.has(field)) {
      throw unsupportedParameter(field, provider, WHY[field]);
    }
  }
}

const NONE: ReadonlySet<string> = new Set();

const WHY = {
  audio: 'audio output is not supported',
  web_search_options: 'OpenAI web search is not available',
  functions: "the deprecated 'functions' field is not supported; send 'tools'",
  function_call: "the deprecated 'function_call' field is not supported; send 'tool_choice'",
  prediction: 'predicted outputs are not supported',
} as const;

export function rejectLogitBias(request: ChatRequest, provider: string): void {
  if (
    request.logit_bias !== undefined &&
    request.logit_bias !== null &&
    Object.keys(request.logit_bias).length > 0
  ) {
    throw unsupportedParameter('logit_bias', provider, 'token biases are not supported');
  }
}

/** `n > 1` for a provider that returns one choice. */
export function rejectMultipleChoices(request: ChatRequest, provider: string): void {
  if (typeof request.n === 'number' && request.n > 1) {
    throw unsupportedParameter('n', provider, 'only one choice per request is supported');
  }
}

export function rejectLogprobs(request: ChatRequest, provider: string): void {
  if (request.logprobs === true)
    throw unsupportedParameter('logprobs', provider, 'token log probabilities are not returned');
  if (typeof request.top_logprobs === 'number' && request.top_logprobs > 0) {
    throw unsupportedParameter('top_logprobs', provider, 'token log probabilities are not returned');
  }
}

/** Message content parts a dialect cannot take: a 400 naming the exact part. */
export function rejectUserParts(
  messages: readonly ChatMessage[],
  provider: string,
  rejected: ReadonlySet<'image_url' | 'input_audio' | 'file'>,
): void {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message?.role !== 'user' || typeof message.content === 'string') continue;
    for (let j = 0; j < message.content.length; j++) {
      const type = message.content[j]?.type;
      if (type !== undefined && type !== 'text' && rejected.has(type)) {
        throw unsupportedParameter(
          `messages[${i}].content[${j}]`,
          provider,
          `'${type}' content parts are not supported`,
        );
      }
    }
  }
}

/** Copies the provider's own request fields a client sent (OpenAI SDK `extra_body`) when present. */
export function copyExtras(
  request: ChatRequest,
  body: Record<string, unknown>,
  names: readonly string[],
): void {
  const loose = request as Record<string, unknown>;
  for (const name of names) {
    const value = loose[name];
    if (value !== undefined && !(name in body)) body[name] = value;
  }
}
