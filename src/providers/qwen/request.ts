/**
 * OpenAI request → Qwen on DashScope's compatible mode (docs/providers.md §6). The format is OpenAI's, so
 * most fields are native and the translation is a whitelist: `reasoning_effort` becomes Qwen's
 * `enable_thinking` / `thinking_budget` (§6.3), streams always ask for usage, and the Qwen fields a
 * client sent through `extra_body` (enable_thinking, enable_search, …) go along.
 */
import type { ChatRequest } from '../../protocol/chat-request.ts';
import { toOpenAIFormMessages } from '../shared/openai-dialect/messages.ts';
import {
  copyExtras,
  applyDialectSampling,
  rejectLogitBias,
  rejectOpenAIOnlyOutputs,
  rejectUserParts,
  toDialectTools,
} from '../shared/openai-dialect/request.ts';
import type { AdapterCall, UpstreamRequest } from '../types.ts';
import type { QwenRequest } from './wire.ts';

const PROVIDER = 'qwen';
// Qwen-Long reads files through `fileid://` system messages, not OpenAI file parts.
const REJECTED_PARTS = new Set(['file'] as const);

/** Qwen's own request fields (§6.3) that a client may send through the OpenAI SDK's `extra_body`. */
const QWEN_EXTRAS = [
  'enable_thinking',
  'thinking_budget',
  'enable_search',
  'search_options',
  'top_k',
  'repetition_penalty',
  'vl_high_resolution_images',
] as const;

export function toQwenRequest(request: ChatRequest, call: AdapterCall, stream: boolean): UpstreamRequest {
  rejectOpenAIOnlyOutputs(request, PROVIDER);
  rejectLogitBias(request, PROVIDER);
  rejectUserParts(request.messages, PROVIDER, REJECTED_PARTS);

  const body: QwenRequest = {
    model: call.target.model,
    // §6.4: earlier `reasoning_content` is not part of Qwen's context, so it is not sent back.
    messages: toOpenAIFormMessages(request.messages, {
      provider: PROVIDER,
      reasoningFor: () => undefined,
      keepCacheControl: true,
    }),
    stream,
  };
  applyDialectSampling(request, body);
  if (request.n != null) body.n = request.n;
  if (request.seed != null) body.seed = request.seed;
  if (request.logprobs != null) body.logprobs = request.logprobs;
  if (request.top_logprobs != null) body.top_logprobs = request.top_logprobs;
  if (request.response_format !== undefined)
    body.response_format = toQwenResponseFormat(request.response_format);
  const tools = toDialectTools(request, PROVIDER);
  if (tools.tools !== undefined) body.tools = tools.tools;
  if (tools.toolChoice !== undefined) body.tool_choice = tools.toolChoice;
  if (request.parallel_tool_calls !== undefined) body.parallel_tool_calls = request.parallel_tool_calls;
  const thinking = qwenThinkingFor(request.reasoning_effort);
  if (thinking !== undefined) {
    body.enable_thinking = thinking.enabled;
    if (thinking.budgetTokens !== undefined) body.thinking_budget = thinking.budgetTokens;
  }
  // §6.3: with include_usage Qwen sends OpenAI's `choices: []` usage chunk; accounting needs it always.
  if (stream) body.stream_options = { include_usage: true };
  copyExtras(request, body, QWEN_EXTRAS);
  return {
    method: 'POST',
    path: `${call.target.basePath}/chat/completions`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify(body),
  };
}

function toQwenResponseFormat(
  format: NonNullable<ChatRequest['response_format']>,
): NonNullable<QwenRequest['response_format']> {
  if (format.type !== 'json_schema') return { type: format.type };
  const schema: {
    name: string;
    description?: string;
    schema?: Record<string, unknown>;
    strict?: boolean | null;
  } = {
    name: format.json_schema.name,
  };
  if (format.json_schema.description !== undefined) schema.description = format.json_schema.description;
  if (format.json_schema.schema !== undefined) schema.schema = format.json_schema.schema;
  if (format.json_schema.strict !== undefined) schema.strict = format.json_schema.strict;
  return { type: 'json_schema', json_schema: schema };
}

export interface QwenThinking {
  enabled: boolean;
  budgetTokens: number | undefined;
}

/**
 * `reasoning_effort` → Qwen's thinking switch and budget (§6.3). `none` turns thinking off; the lower
 * efforts cap the chain of thought with budgets below every thinking model's maximum (the smallest,
 * QwQ's, is 32 K), since a budget above the model's maximum is a 400; high and above leave Qwen's own
 * maximum.
 */
export function qwenThinkingFor(effort: ChatRequest['reasoning_effort']): QwenThinking | undefined {
  switch (effort) {
    case 'none':
      return { enabled: false, budgetTokens: undefined };
    case 'minimal':
      return { enabled: true, budgetTokens: 1024 };
    case 'low':
      return { enabled: true, budgetTokens: 4096 };
    case 'medium':
      return { enabled: true, budgetTokens: 16384 };
    case 'high':
    case 'xhigh':
    case 'max':
      return { enabled: true, budgetTokens: undefined };
    default:
      return undefined;
  }
}

export function qwenModelsRequest(call: AdapterCall): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/models`,
    headers: call.headers as Record<string, string>,
    body: undefined,
  };
}
