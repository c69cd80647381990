/**
 * OpenAI chunks (what every adapter's stream translator emits) to Anthropic's SSE events
 * (docs/providers.md §2.7): the mirror of providers/anthropic/stream.ts.
 *
 *   first chunk                    → message_start (usage is not known yet: zeros, overwritten below)
 *   delta.reasoning_content        → a thinking block: content_block_start, thinking_delta…
 *   delta.reasoning_signature      → signature_delta on the open thinking block, or (arriving after it
 *                                    closed, as adapters send it at the end) a thinking block of its own
 *   delta.content                  → a text block: content_block_start, text_delta…
 *   delta.tool_calls[i] with an id → a tool_use block; argument pieces → input_json_delta
 *   finish_reason, usage chunk     → remembered
 *   end                            → content_block_stop, message_delta (stop_reason and cumulative
 *                                    usage: the SDK overwrites with every field present), message_stop
 *   block (output moderation)      → the same end, stop_reason "refusal"
 *
 * Blocks are strictly sequential, as Anthropic's are; opening one closes the one before. A tool call
 * whose pieces resume after another block opened (Chat interleaving parallel calls) cannot be expressed
 * and is a protocol error, which no adapter produces.
 */
import type { ChatCompletionChunk, FinishReason, Usage } from '../../protocol/chat-response.ts';
import { type ChunkKind, StreamProtocolError } from '../../providers/types.ts';
import type { SseSink } from '../types.ts';
import { anthropicStopReason, anthropicUsage, messageId } from './response.ts';

type OpenBlock = { kind: 'text' } | { kind: 'thinking' } | { kind: 'tool'; toolIndex: number } | undefined;

export class AnthropicStreamRenderer {
  #sink: SseSink;
  #started = false;
  #index = -1;
  #open: OpenBlock = undefined;
  #toolsSeen = new Set<number>();
  #finishReason: FinishReason | null = null;
  #usage: Usage | undefined = undefined;

  constructor(sink: SseSink) {
    this.#sink = sink;
  }

  chunk(json: string, _kind: ChunkKind): void {
    const chunk = JSON.parse(json) as ChatCompletionChunk;
    if (!this.#started) this.#start(chunk);
    if (chunk.usage != null) this.#usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice === undefined) return;
    const delta = choice.delta;
    if (delta.reasoning_content != null && delta.reasoning_content !== '') {
      if (this.#open?.kind !== 'thinking')
        this.#openBlock({ kind: 'thinking' }, { type: 'thinking', thinking: '', signature: '' });
      this.#delta({ type: 'thinking_delta', thinking: delta.reasoning_content });
    }
    if (delta.reasoning_signature != null && delta.reasoning_signature !== '') {
      if (this.#open?.kind !== 'thinking')
        this.#openBlock({ kind: 'thinking' }, { type: 'thinking', thinking: '', signature: '' });
      this.#delta({ type: 'signature_delta', signature: delta.reasoning_signature });
    }
    if (delta.content != null && delta.content !== '') {
      if (this.#open?.kind !== 'text') this.#openBlock({ kind: 'text' }, { type: 'text', text: '' });
      this.#delta({ type: 'text_delta', text: delta.content });
    }
    if (delta.refusal != null && delta.refusal !== '') {
      if (this.#open?.kind !== 'text') this.#openBlock({ kind: 'text' }, { type: 'text', text: '' });
      this.#delta({ type: 'text_delta', text: delta.refusal });
    }
    for (const call of delta.tool_calls ?? []) {
      const open = this.#open;
      if (open?.kind !== 'tool' || open.toolIndex !== call.index) {
        if (this.#toolsSeen.has(call.index))
          throw new StreamProtocolError(`tool call ${call.index} resumed after another block started`);
        this.#toolsSeen.add(call.index);
        this.#openBlock(
          { kind: 'tool', toolIndex: call.index },
          {
            type: 'tool_use',
            id: call.id ?? `toolu_${call.index}`,
            name: call.function?.name ?? '',
            input: {},
          },
        );
      }
      const piece = call.function?.arguments;
      if (piece !== undefined && piece !== '') this.#delta({ type: 'input_json_delta', partial_json: piece });
    }
    if (choice.finish_reason != null) this.#finishReason = choice.finish_reason;
  }

  /**
   * Output moderation blocked the answer: its content_filter chunk came through `chunk` (or, cut before
   * it, is implied), and the upstream's usage may not have come: the attempt's usage so far stands in.
   */
  block(usage: Usage | undefined): void {
    this.#finishReason = 'content_filter';
    this.#usage ??= usage;
    this.end();
  }

  end(): void {
    if (!this.#started) this.#start(undefined);
    this.#closeBlock();
    const usage = anthropicUsage(this.#usage);
    this.#sink.event(
      'message_delta',
      JSON.stringify({
        type: 'message_delta',
        delta: { stop_reason: anthropicStopReason(this.#finishReason), stop_sequence: null },
        usage,
      }),
    );
    this.#sink.event('message_stop', '{"type":"message_stop"}');
  }

  #start(chunk: ChatCompletionChunk | undefined): void {
    this.#started = true;
    const message = {
      id: messageId(chunk?.id ?? ''),
      type: 'message',
      role: 'assistant',
      model: chunk?.model ?? '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(chunk?.usage),
    };
    this.#sink.event('message_start', JSON.stringify({ type: 'message_start', message }));
  }

  #openBlock(block: OpenBlock, contentBlock: Record<string, unknown>): void {
    this.#closeBlock();
    this.#index++;
    this.#open = block;
    this.#sink.event(
      'content_block_start',
      JSON.stringify({ type: 'content_block_start', index: this.#index, content_block: contentBlock }),
    );
  }

  #delta(delta: Record<string, unknown>): void {
    this.#sink.event(
      'content_block_delta',
      JSON.stringify({ type: 'content_block_delta', index: this.#index, delta }),
    );
  }

  #closeBlock(): void {
    if (this.#open === undefined) return;
    this.#open = undefined;
    this.#sink.event(
      'content_block_stop',
      JSON.stringify({ type: 'content_block_stop', index: this.#index }),
    );
  }
}
