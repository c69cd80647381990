/**
 * The stream normalizer for OpenAI dialects (docs/style.md §2.5). Chunks that already look like OpenAI's
 * are forwarded byte for byte, as the OpenAI passthrough does; the others are rebuilt into what the
 * OpenAI SDK's `ChatCompletionStream` accepts (docs/providers.md §1.7):
 *
 * - tool calls that arrive whole in one delta with no `index` or `type` (Mistral, §4.3) become a
 *   first fragment (index, id, type, name, `arguments: ""`) and an arguments fragment;
 * - later fragments that repeat `"id":""` and `"type":"function"` (Qwen, §6.4) lose them, and an
 *   empty one is dropped;
 * - usage that rides on the finish chunk (Mistral, DeepSeek) is split off into OpenAI's separate
 *   `choices: []` usage chunk, emitted with kind `usage` after the last finish;
 * - content chunk arrays (Mistral reasoning models) become `content` and `reasoning_content`;
 * - a role chunk with `content: ""` and nothing else (Mistral, DeepSeek) is held until the next chunk:
 *   before text it goes out as it came; before a tool call it is dropped and the role rides on the first
 *   fragment, because OpenAI starts a tool-call answer with `content: null` and a forwarded "" would make
 *   the SDK's reassembled message differ from the non-streaming one (content null, response.ts);
 * - finish reasons are mapped, and one that means failure (Mistral `error`) throws.
 */
import type { ChunkDelta, FinishReason, Usage } from '../../../protocol/chat-response.ts';
import { type ChunkHeader, deltaChunk, usageChunk } from '../chunks.ts';
import type { SseEvent } from '../sse.ts';
import {
  type EmitChunk,
  StreamProtocolError,
  type StreamTranslator,
  type TranslationContext,
  type UpstreamFailure,
  UpstreamStreamError,
} from '../../types.ts';
import { argumentsText, splitContent } from './content.ts';
import type { OpenAIDialect } from './dialect.ts';
import type { DialectChunk, DialectChunkChoice, DialectToolCall } from './wire.ts';

interface ToolSlot {
  /** The `index` our chunks carry: the upstream's own when it sent one, else the next free one. */
  index: number;
  id: string;
  name: string;
}

interface ChoiceState {
  started: boolean;
  finished: boolean;
  /** Upstream tool-call index → slot. */
  tools: Map<number, ToolSlot>;
  /** The slot a fragment without `index` continues (Mistral sends whole calls, so rarely used). */
  lastTool: ToolSlot | undefined;
  nextToolIndex: number;
}

type Phase = 'waiting' | 'streaming' | 'done';

export class OpenAIDialectStream implements StreamTranslator {
  usage: Usage | undefined = undefined;
  finishReason: FinishReason | null = null;
  rawFinishReason: string | null = null;
  model: string | null = null;

  #dialect: OpenAIDialect;
  #ctx: TranslationContext;
  #phase: Phase = 'waiting';
  #header: ChunkHeader | null = null;
  #choices = new Map<number, ChoiceState>();
  #usageEmitted = false;
  /** A bare role chunk waiting to learn whether the answer opens with text or a tool call. */
  #held: { data: string; choices: DialectChunkChoice[] } | null = null;
  /** OpenAI puts `"usage": null` on every chunk when the client asked for usage; so do our rebuilt ones. */
  #withUsageNull: boolean;

  constructor(dialect: OpenAIDialect, ctx: TranslationContext) {
    this.#dialect = dialect;
    this.#ctx = ctx;
    this.#withUsageNull = ctx.request.stream_options?.include_usage === true;
  }

  push(event: SseEvent, emit: EmitChunk): void {
    if (this.#phase === 'done') return; // the OpenAI SDK ignores anything after [DONE]; so do we
    const data = event.data;
    if (data === '[DONE]') {
      this.#finishStream(emit, 'data: [DONE]');
      return;
    }
    const chunk = this.#parse(data);
    const inBand = this.#dialect.inBandFailure(chunk as Record<string, unknown>);
    if (inBand !== undefined) throw new UpstreamStreamError(inBand);
    if (event.event === 'error' || (chunk.error !== undefined && chunk.error !== null)) {
      throw new UpstreamStreamError(this.#unknownFailure());
    }

    const header = this.#headerFor(chunk);
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    if (chunk.usage !== undefined && chunk.usage !== null) {
      const usage = this.#dialect.mapUsage(chunk.usage);
      if (usage !== undefined) this.usage = usage;
    }
    if (choices.length === 0) {
      // OpenAI's own usage chunk (Qwen with include_usage): rebuilt so usage has OpenAI's meaning.
      if (this.usage !== undefined && chunk.usage !== undefined && chunk.usage !== null) {
        this.#usageEmitted = true;
        emit(usageChunk(header, this.usage), 'usage');
      }
      return;
    }
    if (this.#held !== null) this.#release(choices, emit);
    if (this.#holdsBareRole(chunk, choices)) {
      this.#held = { data, choices };
      for (const choice of choices) if (choice !== null) this.#state(choice.index as number);
      return;
    }
    if (this.#isClean(chunk, choices, header)) {
      this.#record(choices);
      emit(data, 'chunk');
      return;
    }
    for (let position = 0; position < choices.length; position++) {
      const choice = choices[position];
      if (choice !== undefined && choice !== null) this.#rebuild(choice, position, header, emit);
    }
  }

  end(emit: EmitChunk): void {
    if (this.#phase === 'done') return;
    // Some OpenAI-shaped servers omit [DONE] (as in the OpenAI passthrough): a finish reason on every
    // choice proves the answer complete. Anything less is a cut stream.
    this.#finishStream(emit, 'the end of the body');
  }

  #finishStream(emit: EmitChunk, where: string): void {
    if (this.#held !== null) this.#release([], emit);
    if (this.#header === null)
      throw new StreamProtocolError(`${this.#dialect.provider} stream ended before any chunk`);
    let finished = 0;
    for (const [index, state] of this.#choices) {
      if (!state.finished) {
        throw new StreamProtocolError(
          `${this.#dialect.provider} stream reached ${where} before choice ${index} finished`,
        );
      }
      finished++;
    }
    if (finished === 0)
      throw new StreamProtocolError(`${this.#dialect.provider} stream reached ${where} without a choice`);
    this.#phase = 'done';
    if (this.usage !== undefined && !this.#usageEmitted) {
      this.#usageEmitted = true;
      emit(usageChunk(this.#header, this.usage), 'usage');
    }
  }

  #parse(data: string): DialectChunk {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (cause) {
      throw new StreamProtocolError(`${this.#dialect.provider} sent a stream event that is not JSON`, {
        cause,
      });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new StreamProtocolError(
        `${this.#dialect.provider} sent a stream event that is not a JSON object`,
      );
    }
    return parsed as DialectChunk;
  }

  /** An error event the dialect could not read: the generation failed, which is the server's doing. */
  #unknownFailure(): UpstreamFailure {
    return {
      errorClass: 'server',
      status: 200,
      message: `${this.#dialect.provider} reported an error mid-stream`,
      code: null,
      param: null,
      retryAfterMs: undefined,
    };
  }

  #headerFor(chunk: DialectChunk): ChunkHeader {
    const id = typeof chunk.id === 'string' && chunk.id !== '' ? chunk.id : undefined;
    if (this.#header === null) {
      const model =
        typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : this.#ctx.request.model;
      this.#header = {
        id: id ?? this.#ctx.completionId,
        created: typeof chunk.created === 'number' ? chunk.created : this.#ctx.created,
        model,
      };
      this.model = model;
      this.#phase = 'streaming';
    } else if (id !== undefined && id !== this.#header.id) {
      // Every chunk of one answer repeats its id (§1.7); another id means two responses were spliced.
      throw new StreamProtocolError(
        `${this.#dialect.provider} stream switched from ${this.#header.id} to ${id} mid-stream`,
      );
    }
    return this.#header;
  }

  #state(index: number): ChoiceState {
    let state = this.#choices.get(index);
    if (state === undefined) {
      state = { started: false, finished: false, tools: new Map(), lastTool: undefined, nextToolIndex: 0 };
      this.#choices.set(index, state);
    }
    return state;
  }

  /**
   * A first chunk that only says `role: "assistant", content: ""`: whether the answer starts with text or
   * a tool call is not known yet, so it is held and #rebuild puts the role on the next delta.
   */
  #holdsBareRole(chunk: DialectChunk, choices: DialectChunkChoice[]): boolean {
    if (chunk.usage !== undefined && chunk.usage !== null) return false;
    for (const choice of choices) {
      if (choice === null || typeof choice.index !== 'number') return false;
      if (this.#choices.get(choice.index)?.started === true) return false;
      const delta = choice.delta;
      if (delta === undefined || delta === null || delta.role !== 'assistant' || delta.content !== '')
        return false;
      if (hasPayload(delta) || (delta.refusal !== undefined && delta.refusal !== null)) return false;
      if (choice.finish_reason !== undefined && choice.finish_reason !== null) return false;
      if (choice.logprobs !== undefined && choice.logprobs !== null) return false;
    }
    return choices.length > 0;
  }

  /**
   * The chunk after a held role chunk: when it opens a choice with tool calls and no text, the held
   * chunk is dropped (#rebuild puts the role on the first fragment); otherwise it goes out as it came.
   */
  #release(next: DialectChunkChoice[], emit: EmitChunk): void {
    const held = this.#held as { data: string; choices: DialectChunkChoice[] };
    this.#held = null;
    const opensWithCall = next.some((choice) => {
      const delta = choice?.delta;
      if (delta === undefined || delta === null || !Array.isArray(delta.tool_calls)) return false;
      const text = splitContent(delta.content).text;
      return delta.tool_calls.length > 0 && (text === null || text === '');
    });
    if (opensWithCall) return;
    this.#record(held.choices);
    emit(held.data, 'chunk');
  }

  /** True when the bytes can go to the client as they are: nothing in the chunk needs fixing. */
  #isClean(chunk: DialectChunk, choices: DialectChunkChoice[], header: ChunkHeader): boolean {
    if (chunk.usage !== undefined && chunk.usage !== null) return false;
    if (chunk.model !== header.model) return false;
    for (let position = 0; position < choices.length; position++) {
      const choice = choices[position];
      if (choice === undefined || choice === null || typeof choice.index !== 'number') return false;
      if (choice.finish_reason !== undefined && choice.finish_reason !== null) return false;
      const delta = choice.delta;
      if (delta === undefined || delta === null) return false;
      if (delta.content !== undefined && delta.content !== null && typeof delta.content !== 'string')
        return false;
      const state = this.#choices.get(choice.index);
      if (state?.finished === true) return false;
      if (state?.started !== true && delta.role !== 'assistant') return false;
      const calls = delta.tool_calls;
      if (calls !== undefined && calls !== null && !this.#cleanCalls(calls, state)) return false;
    }
    return true;
  }

  #cleanCalls(calls: DialectToolCall[], state: ChoiceState | undefined): boolean {
    for (const call of calls) {
      if (call === null || typeof call !== 'object' || typeof call.index !== 'number') return false;
      const args = call.function?.arguments;
      if (args !== undefined && args !== null && typeof args !== 'string') return false;
      if (state?.tools.has(call.index) === true) {
        // A continuation must carry only arguments (Qwen repeats `"id":""` and `"type"`).
        if (call.id !== undefined || call.type !== undefined || call.function?.name !== undefined)
          return false;
        if (typeof args !== 'string' || args === '') return false;
      } else {
        // A first fragment carries id, type, name and empty arguments (the contract's form).
        if (typeof call.id !== 'string' || call.id === '' || call.type !== 'function') return false;
        if (typeof call.function?.name !== 'string' || call.function.name === '' || args !== '') return false;
      }
    }
    return true;
  }

  /** State bookkeeping for a chunk forwarded as is. */
  #record(choices: DialectChunkChoice[]): void {
    for (const choice of choices) {
      if (choice === null || typeof choice.index !== 'number') continue;
      const state = this.#state(choice.index);
      state.started = true;
      const calls = choice.delta?.tool_calls;
      if (!Array.isArray(calls)) continue;
      for (const call of calls) {
        if (typeof call.index !== 'number' || state.tools.has(call.index)) continue;
        const slot: ToolSlot = { index: call.index, id: call.id ?? '', name: call.function?.name ?? '' };
        state.tools.set(call.index, slot);
        state.lastTool = slot;
        state.nextToolIndex = Math.max(state.nextToolIndex, call.index + 1);
      }
    }
  }

  #rebuild(choice: DialectChunkChoice, position: number, header: ChunkHeader, emit: EmitChunk): void {
    const index = typeof choice.index === 'number' ? choice.index : position;
    const state = this.#state(index);
    const delta = choice.delta ?? {};
    const raw =
      typeof choice.finish_reason === 'string' && choice.finish_reason !== '' ? choice.finish_reason : null;
    if (state.finished) {
      if (hasPayload(delta) || raw !== null) {
        throw new StreamProtocolError(
          `${this.#dialect.provider} sent more of choice ${index} after its finish_reason`,
        );
      }
      return;
    }
    const options = { index, withUsageNull: this.#withUsageNull, logprobs: choice.logprobs ?? null };
    const deltas: ChunkDelta[] = [];

    const split = splitContent(delta.content);
    const text: ChunkDelta = {};
    const calls = Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0;
    // An answer that opens with a tool call starts with no content, as OpenAI's does (null, not "").
    if (split.text !== null && (split.text !== '' || (!state.started && !calls))) text.content = split.text;
    const reasoning = split.reasoning ?? delta.reasoning_content;
    if (typeof reasoning === 'string' && reasoning !== '') text.reasoning_content = reasoning;
    if (typeof delta.refusal === 'string' && delta.refusal !== '') text.refusal = delta.refusal;
    if (Object.keys(text).length > 0) deltas.push(text);

    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        if (call !== null && typeof call === 'object') this.#toolFragments(call, state, index, deltas);
      }
    }

    if (!state.started && (deltas.length > 0 || raw !== null)) {
      // The role chunk comes first (§1.7); it rides on the first delta as in OpenAI's own streams.
      const first = deltas[0];
      if (first === undefined) deltas.push({ role: 'assistant', content: '' });
      else deltas[0] = { role: 'assistant', ...first };
      state.started = true;
    }
    for (let i = 0; i < deltas.length; i++) {
      const piece = deltas[i] as ChunkDelta;
      // Logprobs belong to the content tokens: they ride on the first piece only.
      emit(deltaChunk(header, piece, null, i === 0 ? options : { ...options, logprobs: null }), 'chunk');
    }

    if (raw !== null) {
      const failed = this.#dialect.finishFailure(raw);
      if (failed !== undefined) throw new UpstreamStreamError(failed);
      const mapped = this.#dialect.mapFinishReason(raw);
      state.finished = true;
      if (index === 0 || this.finishReason === null) {
        this.finishReason = mapped;
        this.rawFinishReason = raw !== mapped ? raw : null;
      }
      emit(
        deltaChunk(header, {}, mapped, {
          ...options,
          logprobs: deltas.length === 0 ? options.logprobs : null,
        }),
        'chunk',
      );
    }
  }

  #toolFragments(call: DialectToolCall, state: ChoiceState, choiceIndex: number, out: ChunkDelta[]): void {
    const id = typeof call.id === 'string' && call.id !== '' ? call.id : undefined;
    const name =
      typeof call.function?.name === 'string' && call.function.name !== '' ? call.function.name : undefined;
    const args = argumentsText(call.function?.arguments);
    let slot: ToolSlot | undefined;
    if (typeof call.index === 'number') slot = state.tools.get(call.index);
    // Without an index (Mistral) a fragment with an id is a new call; one without continues the last.
    else if (id === undefined) slot = state.lastTool;

    if (slot === undefined) {
      if (id === undefined || name === undefined) {
        throw new StreamProtocolError(
          `${this.#dialect.provider} sent a tool-call fragment for an unknown call in choice ${choiceIndex} (no id or name)`,
        );
      }
      const index = typeof call.index === 'number' ? call.index : state.nextToolIndex;
      slot = { index, id, name };
      if (typeof call.index === 'number') state.tools.set(call.index, slot);
      state.lastTool = slot;
      state.nextToolIndex = Math.max(state.nextToolIndex, index + 1);
      out.push({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] });
    } else {
      if (id !== undefined && id !== slot.id) {
        throw new StreamProtocolError(
          `${this.#dialect.provider} changed the id of tool call ${slot.index} mid-stream`,
        );
      }
      // The OpenAI SDK's stream helper rejects a name that changes between fragments.
      if (name !== undefined && name !== slot.name) {
        throw new StreamProtocolError(
          `${this.#dialect.provider} changed the name of tool call ${slot.index} mid-stream`,
        );
      }
    }
    if (args !== '') out.push({ tool_calls: [{ index: slot.index, function: { arguments: args } }] });
  }
}

function hasPayload(delta: NonNullable<DialectChunkChoice['delta']>): boolean {
  const content = delta.content;
  if (typeof content === 'string' ? content !== '' : Array.isArray(content) && content.length > 0)
    return true;
  if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') return true;
  return Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0;
}
