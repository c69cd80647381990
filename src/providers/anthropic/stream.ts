/**
 * Anthropic Messages SSE (docs/providers.md §2.7) to OpenAI chunks (§1.7).
 *
 *   message_start        → model and input-side usage (the role chunk waits for the first delta)
 *   content_block_start  → text: nothing yet; tool_use: the call's first fragment (id, name, "");
 *                          thinking/redacted_thinking: remembered for reasoning_signature
 *   content_block_delta  → text_delta → content, thinking_delta → reasoning_content,
 *                          input_json_delta → argument pieces, signature_delta → remembered
 *   content_block_stop   → a tool call with no argument pieces gets "{}" (the API's empty input)
 *   message_delta        → stop reason; usage fields present overwrite earlier ones (cumulative)
 *   message_stop         → reasoning_signature, the finish chunk, the usage chunk
 *   error                → UpstreamStreamError;  ping / unknown events → skipped
 *
 * Blocks arrive strictly one after another, index 0,1,2…; anything else (a second message_start, a
 * delta for a block never started or already stopped, a delta of the wrong kind) is a protocol
 * violation. Server-tool blocks and citation deltas have no OpenAI shape and are skipped, as in the
 * non-streaming translation (response.ts), so both produce the same message.
 */
import type { FinishReason, Usage } from '../../protocol/chat-response.ts';
import { type ChunkHeader, deltaChunk, usageChunk } from '../shared/chunks.ts';
import type { SseEvent } from '../shared/sse.ts';
import {
  type EmitChunk,
  StreamProtocolError,
  type StreamTranslator,
  type TranslationContext,
  UpstreamStreamError,
} from '../types.ts';
import { failureFromAnthropicStreamError } from './errors.ts';
import { mapAnthropicStopReason, mapAnthropicUsage } from './response.ts';
import { encodeThinkingState, type ThinkingBlock } from './signature.ts';
import type {
  AnthropicUsage,
  RawContentBlockDeltaEvent,
  RawContentBlockStartEvent,
  RawMessageDeltaEvent,
  RawMessageStartEvent,
} from './wire.ts';

type Block =
  | { kind: 'text' }
  | { kind: 'thinking'; block: ThinkingBlock & { type: 'thinking' } }
  | { kind: 'redacted' }
  | { kind: 'tool'; toolIndex: number; hasArguments: boolean }
  | { kind: 'skipped' };

interface AnthropicStreamState {
  phase: 'awaiting_start' | 'streaming' | 'stopped';
  header: ChunkHeader | undefined;
  /** Blocks by upstream index, in order; the last one may still be open. */
  blocks: Block[];
  openIndex: number | null;
  /** OpenAI tool-call index of the next tool_use block. */
  nextToolIndex: number;
  /** thinking and redacted_thinking blocks, in order, for reasoning_signature. */
  thinking: ThinkingBlock[];
  /** Input side from message_start, overwritten field by field by message_delta. */
  usage: AnthropicUsage;
  rawStopReason: string | null;
  /** No chunk has gone out yet: the role rides on the first one (see #emitDelta). */
  rolePending: boolean;
}

export function createAnthropicStream(ctx: TranslationContext): StreamTranslator {
  return new AnthropicStream(ctx);
}

class AnthropicStream implements StreamTranslator {
  #ctx: TranslationContext;
  #withUsageNull: boolean;
  #state: AnthropicStreamState = {
    phase: 'awaiting_start',
    header: undefined,
    blocks: [],
    openIndex: null,
    nextToolIndex: 0,
    thinking: [],
    usage: {},
    rawStopReason: null,
    rolePending: true,
  };

  constructor(ctx: TranslationContext) {
    this.#ctx = ctx;
    // OpenAI puts `"usage": null` on every chunk when the client asked for the usage chunk.
    this.#withUsageNull = ctx.request.stream_options?.include_usage === true;
  }

  get usage(): Usage | undefined {
    return this.#state.phase === 'awaiting_start' ? undefined : mapAnthropicUsage(this.#state.usage);
  }

  get finishReason(): FinishReason | null {
    return this.#state.rawStopReason === null ? null : mapAnthropicStopReason(this.#state.rawStopReason);
  }

  get rawFinishReason(): string | null {
    return this.#state.rawStopReason;
  }

  get model(): string | null {
    return this.#state.header?.model ?? null;
  }

  push(event: SseEvent, emit: EmitChunk): void {
    const name = event.event;
    if (name === 'ping') return;
    const payload = parse(event.data);
    const type = name ?? (typeof payload.type === 'string' ? payload.type : undefined);
    if (type === 'error') throw new UpstreamStreamError(failureFromAnthropicStreamError(event.data));
    if (this.#state.phase === 'stopped')
      throw new StreamProtocolError(`Anthropic sent ${type} after message_stop`);
    switch (type) {
      case 'message_start':
        this.#messageStart(payload as unknown as RawMessageStartEvent);
        return;
      case 'content_block_start':
        this.#blockStart(payload as unknown as RawContentBlockStartEvent, emit);
        return;
      case 'content_block_delta':
        this.#blockDelta(payload as unknown as RawContentBlockDeltaEvent, emit);
        return;
      case 'content_block_stop':
        this.#blockStop(payload as { index?: unknown }, emit);
        return;
      case 'message_delta':
        this.#messageDelta(payload as unknown as RawMessageDeltaEvent);
        return;
      case 'message_stop':
        this.#messageStop(emit);
        return;
      default:
        return; // a newer event type: skipped so new API features do not break streams
    }
  }

  end(_emit: EmitChunk): void {
    if (this.#state.phase !== 'stopped') {
      throw new StreamProtocolError(
        this.#state.phase === 'awaiting_start'
          ? 'Anthropic stream ended before message_start'
          : 'Anthropic stream ended before message_stop',
      );
    }
  }

  #messageStart(event: RawMessageStartEvent): void {
    const state = this.#state;
    if (state.phase !== 'awaiting_start')
      throw new StreamProtocolError('Anthropic sent a second message_start');
    const message = event.message;
    if (typeof message?.model !== 'string')
      throw new StreamProtocolError('Anthropic message_start has no message.model');
    state.phase = 'streaming';
    state.header = { id: this.#ctx.completionId, created: this.#ctx.created, model: message.model };
    if (message.usage) state.usage = { ...message.usage };
  }

  #blockStart(event: RawContentBlockStartEvent, emit: EmitChunk): void {
    const state = this.#requireStreaming('content_block_start');
    if (state.openIndex !== null)
      throw new StreamProtocolError(
        `Anthropic started block ${event.index} while block ${state.openIndex} was open`,
      );
    if (event.index !== state.blocks.length) {
      throw new StreamProtocolError(
        `Anthropic started block ${event.index}, expected ${state.blocks.length}`,
      );
    }
    const content = event.content_block;
    let block: Block;
    switch (content?.type) {
      case 'text':
        block = { kind: 'text' };
        if (content.text !== '') this.#emitDelta(emit, { content: content.text });
        break;
      case 'thinking': {
        const thinking = {
          type: 'thinking' as const,
          thinking: content.thinking ?? '',
          signature: content.signature ?? '',
        };
        state.thinking.push(thinking);
        block = { kind: 'thinking', block: thinking };
        if (thinking.thinking !== '') this.#emitDelta(emit, { reasoning_content: thinking.thinking });
        break;
      }
      case 'redacted_thinking':
        state.thinking.push({ type: 'redacted_thinking', data: content.data });
        block = { kind: 'redacted' };
        break;
      case 'tool_use': {
        const toolIndex = state.nextToolIndex++;
        block = { kind: 'tool', toolIndex, hasArguments: false };
        this.#emitDelta(emit, {
          tool_calls: [
            {
              index: toolIndex,
              id: content.id,
              type: 'function',
              function: { name: content.name, arguments: '' },
            },
          ],
        });
        break;
      }
      default:
        block = { kind: 'skipped' };
    }
    state.blocks.push(block);
    state.openIndex = event.index;
  }

  #blockDelta(event: RawContentBlockDeltaEvent, emit: EmitChunk): void {
    const block = this.#openBlock(event.index, 'content_block_delta');
    const delta = event.delta;
    switch (delta?.type) {
      case 'text_delta':
        if (block.kind !== 'text') throw this.#wrongDelta(delta.type, event.index, block);
        if (delta.text !== '') this.#emitDelta(emit, { content: delta.text });
        return;
      case 'thinking_delta':
        if (block.kind !== 'thinking') throw this.#wrongDelta(delta.type, event.index, block);
        block.block.thinking += delta.thinking;
        if (delta.thinking !== '') this.#emitDelta(emit, { reasoning_content: delta.thinking });
        return;
      case 'signature_delta':
        if (block.kind !== 'thinking') throw this.#wrongDelta(delta.type, event.index, block);
        block.block.signature += delta.signature;
        return;
      case 'input_json_delta':
        if (block.kind === 'skipped') return; // a server tool's input
        if (block.kind !== 'tool') throw this.#wrongDelta(delta.type, event.index, block);
        if (delta.partial_json !== '') {
          block.hasArguments = true;
          this.#emitDelta(emit, {
            tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }],
          });
        }
        return;
      default:
        return; // citations_delta and newer delta types carry nothing an OpenAI client reads
    }
  }

  #blockStop(event: { index?: unknown }, emit: EmitChunk): void {
    const index = typeof event.index === 'number' ? event.index : -1;
    const block = this.#openBlock(index, 'content_block_stop');
    // An empty input_json stream means `{}` (docs/providers.md §2.7), which is what the non-streaming
    // translation sends for the same call.
    if (block.kind === 'tool' && !block.hasArguments) {
      this.#emitDelta(emit, { tool_calls: [{ index: block.toolIndex, function: { arguments: '{}' } }] });
    }
    this.#state.openIndex = null;
  }

  #messageDelta(event: RawMessageDeltaEvent): void {
    const state = this.#requireStreaming('message_delta');
    if (state.openIndex !== null)
      throw new StreamProtocolError(`Anthropic sent message_delta while block ${state.openIndex} was open`);
    if (typeof event.delta?.stop_reason === 'string') state.rawStopReason = event.delta.stop_reason;
    // Cumulative totals: a field present here replaces the message_start value; absent keeps it.
    const usage = event.usage as AnthropicUsage | undefined;
    if (usage) {
      for (const key of [
        'input_tokens',
        'output_tokens',
        'cache_creation_input_tokens',
        'cache_read_input_tokens',
      ] as const) {
        const value = usage[key];
        if (typeof value === 'number') state.usage[key] = value;
      }
      if (usage.output_tokens_details) state.usage.output_tokens_details = usage.output_tokens_details;
      if (usage.cache_creation) state.usage.cache_creation = usage.cache_creation;
    }
  }

  #messageStop(emit: EmitChunk): void {
    const state = this.#requireStreaming('message_stop');
    if (state.openIndex !== null)
      throw new StreamProtocolError(`Anthropic sent message_stop while block ${state.openIndex} was open`);
    state.phase = 'stopped';
    const header = state.header as ChunkHeader;
    if (state.rolePending) this.#emitRole(emit); // a message without content blocks
    if (state.thinking.length > 0) {
      this.#emitDelta(emit, {
        reasoning_signature: encodeThinkingState({ model: header.model, blocks: state.thinking }),
      });
    }
    // A stream that ends without message_delta (never seen from Anthropic) still finishes: `stop`.
    emit(
      deltaChunk(header, {}, this.finishReason ?? 'stop', { withUsageNull: this.#withUsageNull }),
      'chunk',
    );
    emit(usageChunk(header, mapAnthropicUsage(state.usage)), 'usage');
  }

  /**
   * The role chunk goes out with the first delta, not at message_start: until then nothing has reached
   * the client, so an `overloaded_error` right after message_start (the usual place for one) can still
   * fail over. A first tool call carries the role itself with `content: null`, as OpenAI sends it.
   */
  #emitDelta(emit: EmitChunk, delta: Parameters<typeof deltaChunk>[1]): void {
    const header = this.#state.header as ChunkHeader;
    if (this.#state.rolePending) {
      if (delta.tool_calls !== undefined) {
        this.#state.rolePending = false;
        delta = { role: 'assistant', content: null, ...delta };
      } else {
        this.#emitRole(emit);
      }
    }
    emit(deltaChunk(header, delta, null, { withUsageNull: this.#withUsageNull }), 'chunk');
  }

  #emitRole(emit: EmitChunk): void {
    this.#state.rolePending = false;
    const delta = { role: 'assistant' as const, content: '', refusal: null };
    emit(
      deltaChunk(this.#state.header as ChunkHeader, delta, null, { withUsageNull: this.#withUsageNull }),
      'chunk',
    );
  }

  #requireStreaming(type: string): AnthropicStreamState {
    if (this.#state.phase !== 'streaming')
      throw new StreamProtocolError(`Anthropic sent ${type} before message_start`);
    return this.#state;
  }

  #openBlock(index: number, type: string): Block {
    const state = this.#requireStreaming(type);
    const block = state.blocks[index];
    if (block === undefined || state.openIndex !== index) {
      throw new StreamProtocolError(`Anthropic sent ${type} for block ${index}, which is not open`);
    }
    return block;
  }

  #wrongDelta(deltaType: string, index: number, block: Block): StreamProtocolError {
    return new StreamProtocolError(`Anthropic sent ${deltaType} for block ${index}, a ${block.kind} block`);
  }
}

function parse(data: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (cause) {
    throw new StreamProtocolError('Anthropic sent a stream event that is not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null)
    throw new StreamProtocolError('Anthropic sent a stream event that is not a JSON object');
  return value as Record<string, unknown>;
}
