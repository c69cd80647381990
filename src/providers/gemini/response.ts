/**
 * Gemini `GenerateContentResponse` → OpenAI `chat.completion` (docs/providers.md §3.4–3.5). The mappers
 * here are shared with the stream translator so both paths give the same message, ids and usage.
 */
import type {
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionMessage,
  FinishReason,
  Usage,
} from '../../protocol/chat-response.ts';
import { makeUsage } from '../shared/usage.ts';
import { type TranslatedResponse, type TranslationContext, UpstreamProtocolError } from '../types.ts';
import { encodeReasoningSignature, encodeToolCallId } from './thought-signature.ts';
import type {
  GeminiCandidate,
  GeminiFunctionCall,
  GeminiLogprobsResult,
  GeminiResponse,
  GeminiUsageMetadata,
} from './wire.ts';

type ToolCall = NonNullable<ChatCompletionMessage['tool_calls']>[number];
const utf8 = new TextEncoder();
type ChoiceLogprobs = NonNullable<ChatCompletionChoice['logprobs']>;
type TokenLogprob = NonNullable<ChoiceLogprobs['content']>[number];

/**
 * Total over Gemini's finishReason values (SDK enum, §3.4); unknown values and a missing reason map
 * to `stop`, and the caller keeps the raw value for the log. Gemini says STOP when it called tools,
 * so the presence of function calls decides `tool_calls`.
 */
export function mapGeminiFinishReason(
  reason: string | null | undefined,
  hasToolCalls: boolean,
): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
    case 'LANGUAGE':
      return 'content_filter';
    default:
      // STOP, OTHER, FINISH_REASON_UNSPECIFIED, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL,
      // TOO_MANY_TOOL_CALLS, NO_IMAGE, … : the answer ended; what it holds is what the client gets.
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}

/**
 * Gemini counts apart what OpenAI sums (§3.5): promptTokenCount already includes the cached
 * tokens; toolUsePromptTokenCount (built-in tool results fed back) is input billed as input, so it
 * joins the prompt; thoughtsTokenCount is billed as output and is OpenAI's reasoning_tokens, part of
 * completion_tokens. The sum equals Gemini's totalTokenCount.
 */
export function mapGeminiUsage(metadata: GeminiUsageMetadata): Usage {
  const thoughts = metadata.thoughtsTokenCount ?? 0;
  return makeUsage({
    promptTokens: (metadata.promptTokenCount ?? 0) + (metadata.toolUsePromptTokenCount ?? 0),
    completionTokens: (metadata.candidatesTokenCount ?? 0) + thoughts,
    cachedTokens: metadata.cachedContentTokenCount ?? 0,
    reasoningTokens: thoughts,
  });
}

/**
 * Gemini's function calls usually carry no id (§3.4), so we mint one from the completion id, the
 * candidate and the call's position: the same answer always gets the same ids, and the stream and the
 * non-stream paths agree. The call's thought signature rides along (thought-signature.ts).
 */
export function toolCallId(
  ctx: TranslationContext,
  candidateIndex: number,
  callIndex: number,
  call: GeminiFunctionCall,
  signature: string | undefined,
): string {
  const core =
    typeof call.id === 'string' && call.id !== ''
      ? call.id
      : `call_${ctx.completionId.replace(/^chatcmpl-/, '').replace(/[^A-Za-z0-9]/g, '')}_${candidateIndex}_${callIndex}`;
  return encodeToolCallId(core, signature);
}

/** Gemini's args object as the JSON text OpenAI clients parse. */
export function argumentsText(call: GeminiFunctionCall): string {
  return JSON.stringify(call.args ?? {});
}

/** `parallel_tool_calls: false` is emulated: Gemini has no switch, so calls after the first are dropped. */
export function allowsParallelCalls(ctx: TranslationContext): boolean {
  return ctx.request.parallel_tool_calls !== false;
}

/** logprobsResult (chosen token per step, top candidates per step) → OpenAI's logprobs.content. */
export function mapGeminiLogprobs(result: GeminiLogprobsResult | undefined): TokenLogprob[] | undefined {
  const chosen = result?.chosenCandidates;
  if (chosen === undefined) return undefined;
  const top = result?.topCandidates ?? [];
  return chosen.map((candidate, step) => {
    const token = candidate.token ?? '';
    return {
      token,
      logprob: candidate.logProbability ?? 0,
      bytes: Array.from(utf8.encode(token)),
      top_logprobs: (top[step]?.candidates ?? []).map((alt) => {
        const altToken = alt.token ?? '';
        return {
          token: altToken,
          logprob: alt.logProbability ?? 0,
          bytes: Array.from(utf8.encode(altToken)),
        };
      }),
    };
  });
}

/** In a stream, invalid JSON is most often an event cut short, so the stream passes StreamProtocolError. */
export function parseGeminiJson(
  text: string,
  what: string,
  ProtocolError: typeof UpstreamProtocolError = UpstreamProtocolError,
): GeminiResponse & { error?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError(`Gemini sent ${what} that is not JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError(`Gemini sent ${what} that is not a JSON object`);
  }
  return parsed as GeminiResponse & { error?: unknown };
}

interface TranslatedChoice {
  choice: ChatCompletionChoice;
  rawFinishReason: string | null;
}

function translateCandidate(
  candidate: GeminiCandidate,
  index: number,
  ctx: TranslationContext,
): TranslatedChoice {
  let content: string | null = null;
  let reasoning: string | null = null;
  let reasoningSignature: string | null = null;
  const toolCalls: ToolCall[] = [];
  let callIndex = 0;
  const parallel = allowsParallelCalls(ctx);
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall !== undefined) {
      const n = callIndex++;
      if (!parallel && n > 0) continue;
      toolCalls.push({
        id: toolCallId(ctx, index, n, part.functionCall, part.thoughtSignature),
        type: 'function',
        function: { name: part.functionCall.name ?? '', arguments: argumentsText(part.functionCall) },
      });
      continue;
    }
    if (part.thoughtSignature !== undefined && part.thoughtSignature !== '') {
      reasoningSignature = encodeReasoningSignature(part.thoughtSignature);
    }
    if (typeof part.text !== 'string' || part.text === '') continue;
    if (part.thought === true) reasoning = (reasoning ?? '') + part.text;
    else content = (content ?? '') + part.text;
    // Other parts (inline images, executable code) have no Chat Completions form and are skipped.
  }
  const raw = candidate.finishReason ?? null;
  // An answer that ended normally with no text and no call (thoughts used up max_tokens) is "" in
  // OpenAI's shape, as its stream is; null stays for tool-call answers and blocked candidates.
  if (content === null && toolCalls.length === 0 && (raw === 'STOP' || raw === 'MAX_TOKENS')) content = '';
  const message: ChatCompletionMessage = { role: 'assistant', content, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== null) message.reasoning_content = reasoning;
  if (reasoningSignature !== null) message.reasoning_signature = reasoningSignature;
  const tokens = mapGeminiLogprobs(candidate.logprobsResult);
  return {
    choice: {
      index,
      message,
      logprobs: tokens === undefined ? null : { content: tokens, refusal: null },
      finish_reason: mapGeminiFinishReason(raw, toolCalls.length > 0),
    },
    rawFinishReason: raw,
  };
}

/** A prompt Gemini refused to answer (§3.4): no candidates, `promptFeedback.blockReason` set. */
function blockedChoice(index: number): ChatCompletionChoice {
  return {
    index,
    message: { role: 'assistant', content: null, refusal: null },
    logprobs: null,
    finish_reason: 'content_filter',
  };
}

export function choiceCount(ctx: TranslationContext): number {
  return Math.max(1, ctx.request.n ?? 1);
}

export function fromGeminiResponse(bodyText: string, ctx: TranslationContext): TranslatedResponse {
  const response = parseGeminiJson(bodyText, 'a response body');
  const candidates = response.candidates ?? [];
  const blockReason = response.promptFeedback?.blockReason;
  let choices: ChatCompletionChoice[];
  let rawFinishReason: string | null;
  if (candidates.length === 0) {
    if (blockReason === undefined)
      throw new UpstreamProtocolError('Gemini response has neither candidates nor promptFeedback');
    choices = Array.from({ length: choiceCount(ctx) }, (_, i) => blockedChoice(i));
    rawFinishReason = blockReason;
  } else {
    const translated = candidates
      .map((candidate, position) => translateCandidate(candidate, candidate.index ?? position, ctx))
      .sort((a, b) => a.choice.index - b.choice.index);
    choices = translated.map((t) => t.choice);
    rawFinishReason = translated[0]?.rawFinishReason ?? null;
  }
  const usage = response.usageMetadata === undefined ? undefined : mapGeminiUsage(response.usageMetadata);
  const completion: ChatCompletion = {
    id: ctx.completionId,
    object: 'chat.completion',
    created: ctx.created,
    model: response.modelVersion ?? ctx.request.model,
    choices,
  };
  if (usage !== undefined) completion.usage = usage;
  return {
    completion,
    body: JSON.stringify(completion),
    usage,
    finishReason: choices[0]?.finish_reason ?? null,
    rawFinishReason,
  };
}
