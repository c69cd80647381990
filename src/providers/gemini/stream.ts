/**
 * Gemini `:streamGenerateContent?alt=sse` → OpenAI chunks (docs/providers.md §3.6, §1.7).
 *
 * Each event is a partial GenerateContentResponse holding only new parts; text pieces are deltas and
 * function calls arrive whole. There is no end event: the stream ends when the body does, so `end()`
 * emits the finish chunks and the one usage chunk (usageMetadata repeats on every event as running
 * totals; the last one is final). A candidate that never got a finishReason means the stream was cut.
 */
import type { ChunkDelta, FinishReason, Usage } from '../../protocol/chat-response.ts';
import { type ChunkHeader, deltaChunk, usageChunk } from '../shared/chunks.ts';
import type { SseEvent } from '../shared/sse.ts';
import {
  type EmitChunk,
  StreamProtocolError,
  type StreamTranslator,
  type TranslationContext,
  UpstreamStreamError,
} from '../types.ts';
import { failureFromGeminiStatus } from './errors.ts';
import {
  allowsParallelCalls,
  argumentsText,
  choiceCount,
  mapGeminiFinishReason,
  mapGeminiLogprobs,
  mapGeminiUsage,
  parseGeminiJson,
  toolCallId,
} from './response.ts';
import { encodeReasoningSignature } from './thought-signature.ts';
import type { GeminiCandidate, GeminiStatus, GeminiUsageMetadata } from './wire.ts';

/** One OpenAI choice, fed by the Gemini candidate with the same index. */
interface CandidateState {
  index: number;
  /** The role chunk went out. */
  opened: boolean;
  /** Gemini's finishReason once it came; the finish chunk waits for `end()`. */
  rawFinishReason: string | null;
  /** functionCall parts seen, dropped ones included: the position that names a minted id. */
  callsSeen: number;
  /** tool_calls emitted: the OpenAI `index` of the next one. */
  toolCallsEmitted: number;
}

interface GeminiStreamState {
  /** Set by the first event; every chunk repeats it. */
  header: ChunkHeader | null;
  /** Gemini repeats responseId and modelVersion on every event; a change means two responses were spliced. */
  responseId: string | null;
  modelVersion: string | null;
  candidates: Map<number, CandidateState>;
  /** The latest running totals. */
  usageMetadata: GeminiUsageMetadata | undefined;
  /** promptFeedback.blockReason: the prompt was refused and no candidate will come. */
  blockReason: string | null;
  ended: boolean;
}

export function createGeminiStream(ctx: TranslationContext): StreamTranslator {
  return new GeminiStream(ctx);
}

class GeminiStream implements StreamTranslator {
  usage: Usage | undefined = undefined;
  finishReason: FinishReason | null = null;
  rawFinishReason: string | null = null;
  model: string | null = null;

  readonly #ctx: TranslationContext;
  readonly #withUsageNull: boolean;
  readonly #parallel: boolean;
  readonly #state: GeminiStreamState = {
    header: null,
    responseId: null,
    modelVersion: null,
    candidates: new Map(),
    usageMetadata: undefined,
    blockReason: null,
    ended: false,
  };

  constructor(ctx: TranslationContext) {
    this.#ctx = ctx;
    // OpenAI puts `"usage": null` on every chunk when the client asked for the usage chunk.
    this.#withUsageNull = ctx.request.stream_options?.include_usage === true;
    this.#parallel = allowsParallelCalls(ctx);
  }

  push(event: SseEvent, emit: EmitChunk): void {
    const state = this.#state;
    if (state.ended) throw new StreamProtocolError('Gemini stream event after the stream ended');
    const response = parseGeminiJson(event.data, 'a stream event', StreamProtocolError);
    // The SDK treats any event holding an `error` object as a failure (§3.6); so do we.
    if (typeof response.error === 'object' && response.error !== null) {
      throw new UpstreamStreamError(failureFromGeminiStatus(response.error as GeminiStatus, 200));
    }
    const header = this.#header(response.modelVersion, response.responseId);
    if (response.usageMetadata !== undefined) state.usageMetadata = response.usageMetadata;
    const blockReason = response.promptFeedback?.blockReason;
    if (blockReason !== undefined) state.blockReason = blockReason;
    (response.candidates ?? []).forEach((candidate, position) => {
      this.#candidate(candidate, candidate.index ?? position, header, emit);
    });
  }

  end(emit: EmitChunk): void {
    const state = this.#state;
    state.ended = true;
    const header = state.header;
    if (header === null) throw new StreamProtocolError('Gemini stream ended before any event');
    const candidates = [...state.candidates.values()].sort((a, b) => a.index - b.index);
    if (candidates.length === 0) {
      if (state.blockReason === null)
        throw new StreamProtocolError('Gemini stream ended without a candidate');
      // The prompt was blocked (§3.4): every requested choice ends filtered and empty.
      for (let index = 0; index < choiceCount(this.#ctx); index++) {
        emit(this.#chunk(header, { role: 'assistant', content: '' }, null, index), 'chunk');
        emit(this.#chunk(header, {}, 'content_filter', index), 'chunk');
      }
      this.finishReason = 'content_filter';
      this.rawFinishReason = state.blockReason;
    } else {
      for (const candidate of candidates) {
        if (candidate.rawFinishReason === null) {
          throw new StreamProtocolError(
            `Gemini stream ended before candidate ${candidate.index} had a finishReason`,
          );
        }
      }
      for (const candidate of candidates) {
        const finish = mapGeminiFinishReason(candidate.rawFinishReason, candidate.toolCallsEmitted > 0);
        emit(this.#chunk(header, {}, finish, candidate.index), 'chunk');
      }
      const first = candidates[0];
      if (first !== undefined) {
        this.finishReason = mapGeminiFinishReason(first.rawFinishReason, first.toolCallsEmitted > 0);
        this.rawFinishReason = first.rawFinishReason;
      }
    }
    if (state.usageMetadata !== undefined) {
      this.usage = mapGeminiUsage(state.usageMetadata);
      emit(usageChunk(header, this.usage), 'usage');
    }
  }

  #header(modelVersion: string | undefined, responseId: string | undefined): ChunkHeader {
    const state = this.#state;
    if (state.header === null) {
      const model = modelVersion ?? this.#ctx.request.model;
      state.header = { id: this.#ctx.completionId, created: this.#ctx.created, model };
      this.model = model;
      state.responseId = responseId ?? null;
      state.modelVersion = modelVersion ?? null;
      return state.header;
    }
    if (responseId !== undefined && state.responseId !== null && responseId !== state.responseId) {
      throw new StreamProtocolError(
        `Gemini stream switched from response ${state.responseId} to ${responseId}`,
      );
    }
    if (modelVersion !== undefined && state.modelVersion !== null && modelVersion !== state.modelVersion) {
      throw new StreamProtocolError(
        `Gemini stream switched from model ${state.modelVersion} to ${modelVersion}`,
      );
    }
    state.responseId ??= responseId ?? null;
    state.modelVersion ??= modelVersion ?? null;
    return state.header;
  }

  #candidate(candidate: GeminiCandidate, index: number, header: ChunkHeader, emit: EmitChunk): void {
    let state = this.#state.candidates.get(index);
    if (state === undefined) {
      state = { index, opened: false, rawFinishReason: null, callsSeen: 0, toolCallsEmitted: 0 };
      this.#state.candidates.set(index, state);
    }
    const parts = candidate.content?.parts ?? [];
    if (
      state.rawFinishReason !== null &&
      parts.some((p) => p.functionCall !== undefined || (p.text ?? '') !== '')
    ) {
      throw new StreamProtocolError(
        `Gemini stream sent content for candidate ${index} after its finishReason`,
      );
    }
    if (!state.opened) {
      state.opened = true;
      // OpenAI's role chunk: content "" before text, null when the answer starts with a tool call.
      const startsWithCall = parts[0]?.functionCall !== undefined;
      emit(
        this.#chunk(header, { role: 'assistant', content: startsWithCall ? null : '' }, null, index),
        'chunk',
      );
    }
    let logprobs = mapGeminiLogprobs(candidate.logprobsResult);
    for (const part of parts) {
      if (part.functionCall !== undefined) {
        const n = state.callsSeen++;
        if (!this.#parallel && n > 0) continue;
        const toolIndex = state.toolCallsEmitted++;
        const id = toolCallId(this.#ctx, index, n, part.functionCall, part.thoughtSignature);
        // First fragment: index, id, type, name and empty arguments; then the arguments (§1.7).
        const name = part.functionCall.name ?? '';
        emit(
          this.#chunk(
            header,
            { tool_calls: [{ index: toolIndex, id, type: 'function', function: { name, arguments: '' } }] },
            null,
            index,
          ),
          'chunk',
        );
        const args = argumentsText(part.functionCall);
        emit(
          this.#chunk(
            header,
            { tool_calls: [{ index: toolIndex, function: { arguments: args } }] },
            null,
            index,
          ),
          'chunk',
        );
        continue;
      }
      if (part.thoughtSignature !== undefined && part.thoughtSignature !== '') {
        emit(
          this.#chunk(
            header,
            { reasoning_signature: encodeReasoningSignature(part.thoughtSignature) },
            null,
            index,
          ),
          'chunk',
        );
      }
      if (typeof part.text !== 'string' || part.text === '') continue;
      if (part.thought === true) {
        emit(this.#chunk(header, { reasoning_content: part.text }, null, index), 'chunk');
      } else {
        emit(this.#chunk(header, { content: part.text }, null, index, logprobs), 'chunk');
        logprobs = undefined; // an event's logprobs belong to its text, sent once
      }
    }
    if (logprobs !== undefined) emit(this.#chunk(header, {}, null, index, logprobs), 'chunk');
    if (candidate.finishReason !== undefined) state.rawFinishReason = candidate.finishReason;
  }

  #chunk(
    header: ChunkHeader,
    delta: ChunkDelta,
    finishReason: FinishReason | null,
    index: number,
    logprobs?: ReturnType<typeof mapGeminiLogprobs>,
  ): string {
    return deltaChunk(header, delta, finishReason, {
      index,
      withUsageNull: this.#withUsageNull,
      ...(logprobs === undefined ? {} : { logprobs: { content: logprobs, refusal: null } }),
    });
  }
}
