/**
 * OpenAI request → DeepSeek (docs/providers.md §5). DeepSeek speaks OpenAI's format at
 * `{base_url}/chat/completions` (no `/v1`), so the translation is a whitelist plus three rules:
 * `reasoning_effort` becomes the `thinking` switch and DeepSeek's two effort levels (§5.2), earlier
 * reasoning goes back only where DeepSeek requires it (after tool calls, §5.2), and what DeepSeek
 * cannot do (images, audio, files, `n > 1`, json_schema, logit_bias) is a 400 naming the field.
 */
import { unsupportedParameter } from '../../errors/codes.ts';
import type { ChatMessage, ChatRequest } from '../../protocol/chat-request.ts';
import { toOpenAIFormMessages } from '../shared/openai-dialect/messages.ts';
import {
  copyExtras,
  applyDialectSampling,
  rejectLogitBias,
  rejectMultipleChoices,
  rejectOpenAIOnlyOutputs,
  rejectUserParts,
  toDialectTools,
} from '../shared/openai-dialect/request.ts';
import type { AdapterCall, UpstreamRequest } from '../types.ts';
import type { DeepSeekRequest } from './wire.ts';

const PROVIDER = 'deepseek';
const REJECTED_PARTS = new Set(['image_url', 'input_audio', 'file'] as const);

export function toDeepSeekRequest(request: ChatRequest, call: AdapterCall, stream: boolean): UpstreamRequest {
  rejectOpenAIOnlyOutputs(request, PROVIDER);
  rejectLogitBias(request, PROVIDER);
  rejectMultipleChoices(request, PROVIDER);
  // DeepSeek's models read text only: the API rejects an image part with 400 "unknown variant `image_url`".
  rejectUserParts(request.messages, PROVIDER, REJECTED_PARTS);
  if (request.response_format?.type === 'json_schema') {
    throw unsupportedParameter(
      'response_format',
      PROVIDER,
      "only {type: 'json_object'} JSON output is supported, not json_schema",
    );
  }

  const thinking = thinkingFor(request);
  const body: DeepSeekRequest = {
    model: call.target.model,
    messages: toOpenAIFormMessages(request.messages, {
      provider: PROVIDER,
      reasoningFor: reasoningRule(request.messages, thinking?.type !== 'disabled'),
      keepCacheControl: false,
    }),
    stream,
  };
  applyDialectSampling(request, body);
  // Native in non-thinking mode; the thinking mode answers 400 to them (§5.2), which is DeepSeek's to say.
  if (request.logprobs != null) body.logprobs = request.logprobs;
  if (request.top_logprobs != null) body.top_logprobs = request.top_logprobs;
  const format = request.response_format?.type;
  if (format === 'text' || format === 'json_object') body.response_format = { type: format };
  const tools = toDialectTools(request, PROVIDER);
  if (tools.tools !== undefined) body.tools = tools.tools;
  if (tools.toolChoice !== undefined) body.tool_choice = tools.toolChoice;
  if (thinking !== undefined) body.thinking = thinking;
  const effort = effortFor(request.reasoning_effort);
  if (effort !== undefined) body.reasoning_effort = effort;
  // DeepSeek puts usage on the finish chunk when asked (recorded stream); ask always, like OpenAI passthrough.
  if (stream) body.stream_options = { include_usage: true };
  // `seed` and `parallel_tool_calls` have no DeepSeek equivalent and are ignored (capabilities say so):
  // DeepSeek already calls tools in parallel when it sees fit. `user`, `store`, `metadata`, `service_tier`
  // steer OpenAI's own service only.
  copyExtras(request, body, ['thinking']);
  return {
    method: 'POST',
    path: `${call.target.basePath}/chat/completions`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify(body),
  };
}

/** §5.2: `none` switches thinking off; any other effort switches it on. No effort: DeepSeek's default. */
export function thinkingFor(request: ChatRequest): DeepSeekRequest['thinking'] | undefined {
  const effort = request.reasoning_effort;
  if (effort === undefined || effort === null) {
    const extra = (request as { thinking?: unknown }).thinking;
    if (isThinking(extra)) return extra;
    return undefined;
  }
  return { type: effort === 'none' ? 'disabled' : 'enabled' };
}

function isThinking(value: unknown): value is NonNullable<DeepSeekRequest['thinking']> {
  const type = (value as { type?: unknown } | null | undefined)?.type;
  return type === 'enabled' || type === 'disabled';
}

/**
 * §5.2: DeepSeek takes `high` and `max`; its docs map low and medium to high and xhigh to max, and we
 * send the mapped value so the request states what DeepSeek will do.
 */
export function effortFor(
  effort: ChatRequest['reasoning_effort'],
): DeepSeekRequest['reasoning_effort'] | undefined {
  switch (effort) {
    case 'minimal':
    case 'low':
    case 'medium':
    case 'high':
      return 'high';
    case 'xhigh':
    case 'max':
      return 'max';
    default:
      return undefined; // none (thinking off) or not set
  }
}

/**
 * §5.2: between two user messages, if the model called a tool, every assistant message of that stretch
 * must carry its `reasoning_content` or DeepSeek answers 400 "Missing `reasoning_content` field"; in
 * other stretches it is ignored (and the legacy reasoner rejected it), so it is left out. A stretch
 * whose assistant turns came from another provider has no reasoning to give back: an empty string
 * satisfies the field without inventing any. With thinking switched off nothing is sent.
 */
export function reasoningRule(
  messages: readonly ChatMessage[],
  thinkingOn: boolean,
): (message: Extract<ChatMessage, { role: 'assistant' }>, index: number) => string | undefined {
  if (!thinkingOn) return () => undefined;
  const inToolStretch = new Array<boolean>(messages.length).fill(false);
  let start = 0;
  for (let i = 0; i <= messages.length; i++) {
    if (i < messages.length && messages[i]?.role !== 'user') continue;
    let toolCalled = false;
    for (let j = start; j < i; j++) {
      const message = messages[j];
      if (message?.role === 'assistant' && (message.tool_calls?.length ?? 0) > 0) toolCalled = true;
    }
    if (toolCalled) for (let j = start; j < i; j++) inToolStretch[j] = true;
    start = i + 1;
  }
  return (message, index) => (inToolStretch[index] === true ? (message.reasoning_content ?? '') : undefined);
}

export function deepSeekModelsRequest(call: AdapterCall): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/models`,
    headers: call.headers as Record<string, string>,
    body: undefined,
  };
}
