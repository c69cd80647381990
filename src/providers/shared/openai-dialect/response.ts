/**
 * A 2xx chat completion from an OpenAI dialect, rebuilt as the completion OpenAI clients expect
 * (docs/providers.md §1.6). Unlike the OpenAI passthrough the body is re-serialized once: tool calls may
 * lack `type` or carry object arguments (Mistral), content may be a chunk array (Mistral reasoning),
 * message tool calls carry a stray `index` (DeepSeek, Qwen), finish reasons and usage need mapping.
 */
import type {
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionMessage,
  FinishReason,
} from '../../../protocol/chat-response.ts';
import type { ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import {
  type TranslatedResponse,
  type TranslationContext,
  UpstreamProtocolError,
  UpstreamStreamError,
} from '../../types.ts';
import { argumentsText, splitContent } from './content.ts';
import type { OpenAIDialect } from './dialect.ts';
import type { DialectChoice, DialectCompletion, DialectToolCall } from './wire.ts';

export function fromDialectResponse(
  bodyText: string,
  dialect: OpenAIDialect,
  ctx: TranslationContext,
): TranslatedResponse {
  let parsed: unknown;
  try {
    // DeepSeek sends blank lines while a request waits in its queue (docs/providers.md §5.3); JSON.parse
    // skips leading whitespace, so they need no handling.
    parsed = JSON.parse(bodyText);
  } catch (cause) {
    throw new UpstreamProtocolError(`${dialect.provider} sent a response body that is not JSON`, { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UpstreamProtocolError(`${dialect.provider} sent a response body that is not a JSON object`);
  }
  const inBand = dialect.inBandFailure(parsed as Record<string, unknown>);
  if (inBand !== undefined) throw new UpstreamStreamError(inBand);
  const upstream = parsed as DialectCompletion;
  if (!Array.isArray(upstream.choices)) {
    throw new UpstreamProtocolError(`${dialect.provider} response has no choices array`);
  }

  let finishReason: FinishReason | null = null;
  let rawFinishReason: string | null = null;
  const choices: ChatCompletionChoice[] = [];
  for (let position = 0; position < upstream.choices.length; position++) {
    const choice = upstream.choices[position];
    if (choice === undefined || choice === null) continue;
    const raw = typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
    if (raw !== null) {
      const failed = dialect.finishFailure(raw);
      if (failed !== undefined) throw new UpstreamStreamError(failed);
    }
    const mapped = raw === null ? 'stop' : dialect.mapFinishReason(raw);
    if (position === 0) {
      finishReason = mapped;
      rawFinishReason = raw !== null && raw !== mapped ? raw : null;
    }
    choices.push(toChoice(choice, position, mapped));
  }

  const usage = upstream.usage ? dialect.mapUsage(upstream.usage) : undefined;
  const completion: ChatCompletion = {
    id: typeof upstream.id === 'string' && upstream.id !== '' ? upstream.id : ctx.completionId,
    object: 'chat.completion',
    created: typeof upstream.created === 'number' ? upstream.created : ctx.created,
    model: typeof upstream.model === 'string' && upstream.model !== '' ? upstream.model : ctx.request.model,
    choices,
  };
  if (usage !== undefined) completion.usage = usage;
  if (typeof upstream.system_fingerprint === 'string')
    completion.system_fingerprint = upstream.system_fingerprint;
  return { completion, body: JSON.stringify(completion), usage, finishReason, rawFinishReason };
}

function toChoice(choice: DialectChoice, position: number, finishReason: FinishReason): ChatCompletionChoice {
  const upstream = choice.message ?? {};
  const split = splitContent(upstream.content);
  const toolCalls = toToolCalls(upstream.tool_calls);
  // OpenAI sends `content: null` on a tool-call-only answer; DeepSeek and Qwen send "".
  const content = toolCalls !== undefined && split.text === '' ? null : split.text;
  const message: ChatCompletionMessage = { role: 'assistant', content, refusal: upstream.refusal ?? null };
  const reasoning = split.reasoning ?? upstream.reasoning_content ?? null;
  if (typeof reasoning === 'string' && reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls !== undefined) message.tool_calls = toolCalls;
  return {
    index: typeof choice.index === 'number' ? choice.index : position,
    message,
    logprobs: (choice.logprobs ?? null) as ChatCompletionChoice['logprobs'],
    finish_reason: finishReason,
  };
}

function toToolCalls(
  calls: DialectToolCall[] | null | undefined,
): ChatCompletionMessageFunctionToolCall[] | undefined {
  if (!Array.isArray(calls) || calls.length === 0) return undefined;
  const out: ChatCompletionMessageFunctionToolCall[] = [];
  for (const call of calls) {
    if (call === null || typeof call !== 'object') continue;
    out.push({
      id: typeof call.id === 'string' ? call.id : '',
      type: 'function',
      function: { name: call.function?.name ?? '', arguments: argumentsText(call.function?.arguments) },
    });
  }
  return out.length > 0 ? out : undefined;
}
