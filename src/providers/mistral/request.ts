/**
 * OpenAI request → Mistral chat completions (docs/providers.md §4.2). Mistral validates strictly: any field
 * outside its schema is a 422 `extra_forbidden`, including OpenAI's `max_completion_tokens`, `seed`,
 * `stream_options`, `user`, `store` and `reasoning_content` on an assistant message. So the body is
 * built field by field from what Mistral has, renaming where the names differ (`seed` → `random_seed`,
 * `max_completion_tokens` → `max_tokens`, tool_choice `required` → `any`), and what Mistral cannot do
 * is a 400 naming the field.
 */
import { unsupportedParameter } from '../../errors/codes.ts';
import type { ChatMessage, ChatRequest, UserContentPart } from '../../protocol/chat-request.ts';
import {
  copyExtras,
  applyDialectSampling,
  rejectLogitBias,
  rejectLogprobs,
  rejectOpenAIOnlyOutputs,
  rejectUserParts,
  textOf,
  toDialectTools,
} from '../shared/openai-dialect/request.ts';
import type { AdapterCall, UpstreamRequest } from '../types.ts';
import { toMistralToolCallId } from './tool-call-id.ts';
import type {
  MistralAssistantMessage,
  MistralContentChunk,
  MistralRequest,
  MistralToolMessage,
  MistralUserMessage,
} from './wire.ts';

const PROVIDER = 'mistral';
const REJECTED_PARTS = new Set(['file'] as const);
// OpenAI's `prediction` has the same shape on Mistral (`{type:"content", content}`), so it is allowed.
const ALLOWED_OPENAI_ONLY = new Set(['prediction']);
/** Mistral's own request fields (§4.2) a client may send through the OpenAI SDK's `extra_body`. */
const MISTRAL_EXTRAS = ['safe_prompt', 'prompt_mode', 'guardrails', 'random_seed'] as const;

type MistralMessage = MistralRequest['messages'][number];

export function toMistralRequest(request: ChatRequest, call: AdapterCall, stream: boolean): UpstreamRequest {
  rejectOpenAIOnlyOutputs(request, PROVIDER, ALLOWED_OPENAI_ONLY);
  rejectLogitBias(request, PROVIDER);
  // Mistral's chat API returns `"logprobs": null` and has no request field for them.
  rejectLogprobs(request, PROVIDER);
  rejectUserParts(request.messages, PROVIDER, REJECTED_PARTS);

  const body: MistralRequest = {
    model: call.target.model,
    messages: toMistralMessages(request.messages),
    stream,
  };
  applyDialectSampling(request, body);
  if (request.n != null) body.n = request.n;
  if (request.seed != null) body.random_seed = request.seed;
  if (request.response_format !== undefined)
    body.response_format = toMistralResponseFormat(request.response_format);
  const tools = toDialectTools(request, PROVIDER);
  if (tools.tools !== undefined) {
    body.tools = tools.tools.map(({ function: fn }) => {
      const definition: {
        name: string;
        description?: string;
        parameters: Record<string, unknown>;
        strict?: boolean;
      } = {
        name: fn.name,
        parameters: fn.parameters ?? { type: 'object', properties: {} },
      };
      if (fn.description !== undefined) definition.description = fn.description;
      if (typeof fn.strict === 'boolean') definition.strict = fn.strict;
      return { type: 'function' as const, function: definition };
    });
  }
  if (tools.toolChoice !== undefined) {
    // §4.2: Mistral's name for "must call a tool" is `any` (it also reads `required`, but `any` is its own).
    body.tool_choice = tools.toolChoice === 'required' ? 'any' : tools.toolChoice;
  }
  if (request.parallel_tool_calls !== undefined) body.parallel_tool_calls = request.parallel_tool_calls;
  const effort = mistralEffortFor(request.reasoning_effort);
  if (effort !== undefined) body.reasoning_effort = effort;
  if (request.metadata != null) body.metadata = request.metadata;
  const loose = request as Record<string, unknown>;
  const prediction = predictionText(loose.prediction);
  if (prediction !== undefined) body.prediction = { type: 'content', content: prediction };
  if (typeof loose.prompt_cache_key === 'string') body.prompt_cache_key = loose.prompt_cache_key;
  // No `stream_options`: Mistral puts usage on the last chunk of every stream (§4.3) and may reject the
  // field. Dropped as OpenAI-only (capabilities/README): `user`, `store`, `service_tier` (Mistral's tiers
  // are other values), `safety_identifier`, `verbosity`, message `name`.
  copyExtras(request, body as Record<string, unknown>, MISTRAL_EXTRAS);
  return {
    method: 'POST',
    path: `${call.target.basePath}/chat/completions`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify(body),
  };
}

/** Mistral's effort levels stop at `xhigh` (§4.2); `max` asks for the most there is. */
export function mistralEffortFor(
  effort: ChatRequest['reasoning_effort'],
): MistralRequest['reasoning_effort'] {
  if (effort === undefined || effort === null) return undefined;
  return effort === 'max' ? 'xhigh' : effort;
}

function toMistralResponseFormat(
  format: NonNullable<ChatRequest['response_format']>,
): NonNullable<MistralRequest['response_format']> {
  if (format.type !== 'json_schema') return { type: format.type };
  const schema: NonNullable<NonNullable<MistralRequest['response_format']>['json_schema']> = {
    name: format.json_schema.name,
    // Mistral's json_schema requires `schema`; OpenAI allows leaving it out, meaning any JSON object.
    schema: format.json_schema.schema ?? { type: 'object' },
  };
  if (format.json_schema.description !== undefined) schema.description = format.json_schema.description;
  if (typeof format.json_schema.strict === 'boolean') schema.strict = format.json_schema.strict;
  return { type: 'json_schema', json_schema: schema };
}

function predictionText(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const content = (value as { content?: unknown }).content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return textOf(content as Array<{ type: string; text?: string }>);
  return undefined;
}

export function toMistralMessages(messages: readonly ChatMessage[]): MistralMessage[] {
  // Tool results on Mistral may name their function; the name comes from the call they answer.
  const toolNames = new Map<string, string>();
  const out: MistralMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message === undefined) continue;
    switch (message.role) {
      case 'system':
      case 'developer':
        // Mistral has no `developer` role; it is OpenAI's newer name for `system`.
        out.push({
          role: 'system',
          content:
            typeof message.content === 'string'
              ? message.content
              : message.content.map((p) => ({ type: 'text', text: p.text })),
        });
        break;
      case 'user':
        out.push(toMistralUser(message, i));
        break;
      case 'assistant':
        for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
        out.push(toMistralAssistant(message));
        break;
      case 'tool': {
        const tool: MistralToolMessage = {
          role: 'tool',
          content: textOf(message.content),
          tool_call_id: toMistralToolCallId(message.tool_call_id),
        };
        const name = toolNames.get(message.tool_call_id);
        if (name !== undefined) tool.name = name;
        out.push(tool);
        break;
      }
      case 'function':
        throw unsupportedParameter(
          `messages[${i}].role`,
          PROVIDER,
          "the deprecated 'function' role is not supported; use 'tool'",
        );
    }
  }
  return out;
}

function toMistralUser(message: Extract<ChatMessage, { role: 'user' }>, index: number): MistralUserMessage {
  if (typeof message.content === 'string') return { role: 'user', content: message.content };
  return { role: 'user', content: message.content.map((part, j) => toMistralPart(part, index, j)) };
}

function toMistralPart(part: UserContentPart, index: number, j: number): MistralContentChunk {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image_url': {
      // §4.2: Mistral takes `image_url` as a string or `{url, detail}`; data: URLs included.
      const image: { url: string; detail?: string } = { url: part.image_url.url };
      if (part.image_url.detail !== undefined) image.detail = part.image_url.detail;
      return { type: 'image_url', image_url: image };
    }
    case 'input_audio':
      // Mistral's audio chunk (Voxtral models) is the base64 data alone; the format is read from it.
      return { type: 'input_audio', input_audio: part.input_audio.data };
    case 'file':
      throw unsupportedParameter(
        `messages[${index}].content[${j}]`,
        PROVIDER,
        "'file' content parts are not supported",
      );
  }
}

/**
 * Earlier reasoning is not sent back: Mistral rejects `reasoning_content` on a message (422
 * extra_forbidden, §4.2) and its reasoning models do not need previous turns' thinking. Re-encoding it
 * as a `thinking` chunk would feed text from other providers' models into Magistral's context.
 */
function toMistralAssistant(message: Extract<ChatMessage, { role: 'assistant' }>): MistralAssistantMessage {
  const content = message.content === undefined || message.content === null ? null : textOf(message.content);
  const assistant: MistralAssistantMessage = { role: 'assistant', content, prefix: false };
  const calls = message.tool_calls ?? [];
  if (calls.length > 0) {
    assistant.tool_calls = calls.map((call, k) => ({
      id: toMistralToolCallId(call.id),
      type: 'function',
      function: { name: call.function.name, arguments: call.function.arguments },
      index: k,
    }));
  }
  // Mistral's prefix mode (§4.2): the last assistant message is text the answer must start with.
  if ((message as { prefix?: unknown }).prefix === true) assistant.prefix = true;
  return assistant;
}

export function mistralModelsRequest(call: AdapterCall): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/models`,
    headers: call.headers as Record<string, string>,
    body: undefined,
  };
}
