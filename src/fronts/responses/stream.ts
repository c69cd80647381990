/**
 * OpenAI chunks (what every adapter's stream translator emits) to the Responses API's typed events
 * (docs/providers.md §11.6, §11.7 "Chunk → event translation"). Every event carries `sequence_number`
 * (0, 1, 2…) and the stream ends with one terminal event and no `[DONE]`.
 *
 *   first chunk            → response.created, response.in_progress (status in_progress, output [])
 *   reasoning_content      → a reasoning item: output_item.added, content_part.added (reasoning_text),
 *                            reasoning_text.delta…
 *   content                → a message item: output_item.added, content_part.added (output_text),
 *                            output_text.delta…   (refusal: a refusal part and refusal.delta)
 *   tool_calls[i] with id  → a function_call item: output_item.added, function_call_arguments.delta…
 *   end                    → the open item closed (…done, content_part.done, output_item.done), then
 *                            response.completed, or response.incomplete for length / content_filter,
 *                            with the whole output and usage
 *   block (moderation)     → the same end: response.incomplete, reason content_filter
 *
 * Items are sequential, as the SDK's stream helper requires: opening one closes the one before. A
 * tool call whose pieces resume after another item opened (Chat interleaving parallel calls) cannot be
 * expressed and is a protocol error, which no adapter produces.
 */
import type { ChatCompletionChunk, FinishReason, Usage } from '../../protocol/chat-response.ts';
import { type ChunkKind, StreamProtocolError } from '../../providers/types.ts';
import type { SseSink } from '../types.ts';
import {
  functionCallItem,
  idsFor,
  itemId,
  messageItem,
  type OutputItem,
  outputTextPart,
  reasoningItem,
  responseEnvelope,
  responsesUsage,
  statusOf,
} from './response.ts';

type OpenItem =
  | { kind: 'reasoning'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'refusal'; text: string }
  | { kind: 'function'; toolIndex: number; callId: string; name: string; args: string };

export class ResponsesStreamRenderer {
  #sink: SseSink;
  #native: Record<string, unknown>;
  #sequence = 0;
  #started = false;
  #id = '';
  #suffix = '';
  #createdAt = 0;
  #model = '';
  #output: OutputItem[] = [];
  #open: OpenItem | undefined = undefined;
  #toolsSeen = new Set<number>();
  #finishReason: FinishReason | null = null;
  #usage: Usage | undefined = undefined;
  #signature: string | undefined = undefined;

  constructor(sink: SseSink, native: Record<string, unknown>) {
    this.#sink = sink;
    this.#native = native;
  }

  chunk(json: string, _kind: ChunkKind): void {
    const chunk = JSON.parse(json) as ChatCompletionChunk;
    if (!this.#started) this.#start(chunk.id, chunk.created, chunk.model);
    if (chunk.usage != null) this.#usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice === undefined) return;
    const delta = choice.delta;
    if (delta.reasoning_content != null && delta.reasoning_content !== '')
      this.#append('reasoning', delta.reasoning_content);
    // Arrives at the end of the stream (after the text): it goes on the reasoning item the final
    // response lists (response.ts CARRIED_STATE_PREFIX).
    if (delta.reasoning_signature != null && delta.reasoning_signature !== '')
      this.#signature = delta.reasoning_signature;
    if (delta.content != null && delta.content !== '') this.#append('text', delta.content);
    if (delta.refusal != null && delta.refusal !== '') this.#append('refusal', delta.refusal);
    for (const call of delta.tool_calls ?? []) {
      let open = this.#open;
      if (open?.kind !== 'function' || open.toolIndex !== call.index) {
        if (this.#toolsSeen.has(call.index))
          throw new StreamProtocolError(`tool call ${call.index} resumed after another item started`);
        this.#toolsSeen.add(call.index);
        this.#close();
        open = {
          kind: 'function',
          toolIndex: call.index,
          callId: call.id ?? `call_${this.#suffix}_${call.index}`,
          name: call.function?.name ?? '',
          args: '',
        };
        this.#open = open;
        this.#emit('response.output_item.added', {
          output_index: this.#output.length,
          item: functionCallItem(
            itemId('fc', this.#suffix, this.#output.length),
            open.callId,
            open.name,
            '',
            'in_progress',
          ),
        });
      }
      const piece = call.function?.arguments;
      if (piece !== undefined && piece !== '') {
        open.args += piece;
        this.#emit('response.function_call_arguments.delta', {
          item_id: itemId('fc', this.#suffix, this.#output.length),
          output_index: this.#output.length,
          delta: piece,
        });
      }
    }
    if (choice.finish_reason != null) this.#finishReason = choice.finish_reason;
  }

  /**
   * Output moderation blocked the answer: its content_filter chunk came through `chunk` (or, cut before
   * it, is implied), and the upstream's usage may not have come: the attempt's usage so far stands in.
   */
  block(nowSeconds: number, usage: Usage | undefined): void {
    this.#finishReason = 'content_filter';
    this.#usage ??= usage;
    this.end(nowSeconds);
  }

  end(nowSeconds: number): void {
    if (!this.#started) this.#start('', nowSeconds, '');
    this.#close();
    this.#carrySignature();
    const { status, incomplete_details } = statusOf(this.#finishReason);
    const response = responseEnvelope(this.#native, this.#id, this.#createdAt, this.#model, {
      status,
      output: this.#output,
      usage: responsesUsage(this.#usage),
      incomplete_details,
      completed_at: status === 'completed' ? nowSeconds : null,
    });
    this.#emit(status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
  }

  /** The reasoning state onto the first reasoning item of the final output (none streamed: none carried). */
  #carrySignature(): void {
    const signature = this.#signature;
    if (signature === undefined) return;
    const index = this.#output.findIndex((item) => item.type === 'reasoning');
    const item = this.#output[index];
    if (item === undefined) return;
    const text = (item.content as Array<{ text: string }> | undefined)?.[0]?.text ?? '';
    this.#output[index] = reasoningItem(item.id as string, text, 'completed', signature);
  }

  #start(completionId: string, created: number, model: string): void {
    this.#started = true;
    const ids = idsFor(completionId);
    this.#id = ids.response;
    this.#suffix = ids.suffix;
    this.#createdAt = created;
    this.#model = model;
    const response = responseEnvelope(this.#native, this.#id, created, model, {
      status: 'in_progress',
      output: [],
      usage: null,
    });
    this.#emit('response.created', { response });
    this.#emit('response.in_progress', { response });
  }

  #append(kind: 'reasoning' | 'text' | 'refusal', text: string): void {
    const current = this.#open;
    let open: { kind: 'reasoning' | 'text' | 'refusal'; text: string };
    if (current === undefined || current.kind !== kind) this.#close();
    // After the close: the new item's index is the output's length once the previous item is in it.
    const index = this.#output.length;
    const id = itemId(kind === 'reasoning' ? 'rs' : 'msg', this.#suffix, index);
    if (current !== undefined && current.kind === kind) open = current;
    else {
      open = { kind, text: '' };
      this.#open = open;
      const item =
        kind === 'reasoning' ? reasoningItem(id, '', 'in_progress') : messageItem(id, [], 'in_progress');
      const part =
        kind === 'reasoning'
          ? { type: 'reasoning_text', text: '' }
          : kind === 'text'
            ? outputTextPart('')
            : { type: 'refusal', refusal: '' };
      this.#emit('response.output_item.added', { output_index: index, item });
      this.#emit('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part });
    }
    open.text += text;
    const where = { item_id: id, output_index: index, content_index: 0, delta: text };
    if (kind === 'reasoning') this.#emit('response.reasoning_text.delta', where);
    else if (kind === 'text') this.#emit('response.output_text.delta', { ...where, logprobs: [] });
    else this.#emit('response.refusal.delta', where);
  }

  #close(): void {
    const open = this.#open;
    if (open === undefined) return;
    this.#open = undefined;
    const index = this.#output.length;
    let item: OutputItem;
    if (open.kind === 'reasoning') {
      const id = itemId('rs', this.#suffix, index);
      const part = { type: 'reasoning_text', text: open.text };
      this.#emit('response.reasoning_text.done', {
        item_id: id,
        output_index: index,
        content_index: 0,
        text: open.text,
      });
      this.#emit('response.content_part.done', { item_id: id, output_index: index, content_index: 0, part });
      item = reasoningItem(id, open.text, 'completed');
    } else if (open.kind === 'function') {
      const id = itemId('fc', this.#suffix, index);
      this.#emit('response.function_call_arguments.done', {
        item_id: id,
        output_index: index,
        name: open.name,
        arguments: open.args,
      });
      item = functionCallItem(id, open.callId, open.name, open.args, 'completed');
    } else {
      const id = itemId('msg', this.#suffix, index);
      const part = open.kind === 'text' ? outputTextPart(open.text) : { type: 'refusal', refusal: open.text };
      if (open.kind === 'text')
        this.#emit('response.output_text.done', {
          item_id: id,
          output_index: index,
          content_index: 0,
          text: open.text,
          logprobs: [],
        });
      else
        this.#emit('response.refusal.done', {
          item_id: id,
          output_index: index,
          content_index: 0,
          refusal: open.text,
        });
      this.#emit('response.content_part.done', { item_id: id, output_index: index, content_index: 0, part });
      item = messageItem(id, [part], 'completed');
    }
    this.#emit('response.output_item.done', { output_index: index, item });
    this.#output.push(item);
  }

  #emit(type: string, fields: Record<string, unknown>): void {
    this.#sink.event(type, JSON.stringify({ type, sequence_number: this.#sequence++, ...fields }));
  }
}
