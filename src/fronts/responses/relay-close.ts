/**
 * A passed-through Responses stream under output moderation (pipeline/exchange.ts): OpenAI's events go out
 * as moderation releases them, unchanged, and what a well-formed end needs is noted on the way, so a
 * block can end the stream as OpenAI ends an incomplete response: the open output item done (status
 * `incomplete`, with the text that went out), then `response.incomplete` with reason `content_filter`,
 * the items that went out and the usage so far, numbered on from the last event relayed. Lifecycle,
 * item and part events are read (a few per response); of the deltas, only a message's text is taken,
 * from the delta string alone.
 */
import type { Usage } from '../../protocol/chat-response.ts';
import type { SseSink } from '../types.ts';
import { type OutputItem, outputTextPart, responsesUsage } from './response.ts';

interface OpenItem {
  index: number;
  item: OutputItem;
  /** Its parts done so far. */
  parts: unknown[];
  /** The output_text part being streamed: its index and the text that went out. */
  text: { index: number; text: string } | undefined;
}

interface EventData {
  type?: unknown;
  sequence_number?: unknown;
  response?: Record<string, unknown>;
  output_index?: unknown;
  content_index?: unknown;
  item?: OutputItem;
  part?: { type?: unknown };
  delta?: unknown;
}

const OUTPUT_TEXT_DELTA = 'response.output_text.delta';
/** A delta's string, decoded alone: `"delta":"…"`. */
const DELTA = /"delta":("(?:[^"\\]|\\.)*")/;

export class ResponsesRelay {
  readonly #sink: SseSink;
  /** An in-progress response of our own, for a block before OpenAI's `response.created` went out. */
  readonly #created: () => Record<string, unknown>;
  #response: Record<string, unknown> | undefined = undefined;
  #sequence = 0;
  #done: OutputItem[] = [];
  #open: OpenItem | undefined = undefined;
  #ended = false;

  constructor(sink: SseSink, created: () => Record<string, unknown>) {
    this.#sink = sink;
    this.#created = created;
  }

  relay(raw: string): void {
    this.#sink.raw(raw);
    this.#sequence++;
    const name = eventName(raw);
    if (name === OUTPUT_TEXT_DELTA) {
      const match = this.#open?.text === undefined ? null : DELTA.exec(raw);
      if (match !== null && this.#open?.text !== undefined)
        this.#open.text.text += JSON.parse(match[1] as string) as string;
      return;
    }
    // Function arguments, reasoning: nothing the end needs (the item's own done event carries them).
    if (name?.endsWith('.delta') === true) return;
    const data = dataOf(raw);
    if (data === undefined) return;
    if (typeof data.sequence_number === 'number') this.#sequence = data.sequence_number + 1;
    this.#note(data);
  }

  block(usage: Usage | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    let response = this.#response;
    if (response === undefined) {
      response = this.#created();
      this.#emit('response.created', { response });
    }
    const open = this.#open;
    if (open !== undefined) {
      const id = open.item.id;
      const parts = open.parts;
      const text = open.text;
      if (text !== undefined) {
        const part = outputTextPart(text.text);
        const where = { item_id: id, output_index: open.index, content_index: text.index };
        this.#emit('response.output_text.done', { ...where, text: text.text, logprobs: [] });
        this.#emit('response.content_part.done', { ...where, part });
        parts.push(part);
      }
      const item =
        open.item.type === 'message'
          ? { ...open.item, status: 'incomplete', content: parts }
          : { ...open.item, status: 'incomplete' };
      this.#emit('response.output_item.done', { output_index: open.index, item });
      this.#done.push(item);
    }
    this.#emit('response.incomplete', {
      response: {
        ...response,
        status: 'incomplete',
        completed_at: null,
        incomplete_details: { reason: 'content_filter' },
        output: this.#done,
        usage: responsesUsage(usage),
      },
    });
  }

  #note(data: EventData): void {
    const open = this.#open;
    switch (data.type) {
      case 'response.created':
      case 'response.in_progress':
        if (data.response !== undefined) this.#response = data.response;
        return;
      case 'response.output_item.added':
        if (data.item !== undefined)
          this.#open = { index: Number(data.output_index ?? 0), item: data.item, parts: [], text: undefined };
        return;
      case 'response.content_part.added':
        if (open !== undefined && data.part?.type === 'output_text')
          open.text = { index: Number(data.content_index ?? 0), text: '' };
        return;
      case OUTPUT_TEXT_DELTA:
        // A server that names its events only in the data.
        if (open?.text !== undefined && typeof data.delta === 'string') open.text.text += data.delta;
        return;
      case 'response.content_part.done':
        if (open === undefined) return;
        open.parts.push(data.part);
        open.text = undefined;
        return;
      case 'response.output_item.done':
        if (data.item !== undefined) this.#done.push(data.item);
        this.#open = undefined;
        return;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.#ended = true;
        return;
      default:
        return;
    }
  }

  #emit(type: string, fields: Record<string, unknown>): void {
    this.#sink.event(type, JSON.stringify({ type, sequence_number: this.#sequence++, ...fields }));
  }
}

/** The `event:` line's name (OpenAI sends one with every event); undefined without one. */
function eventName(raw: string): string | undefined {
  if (!raw.startsWith('event: ')) return undefined;
  const end = raw.indexOf('\n');
  return raw.slice(7, end === -1 ? undefined : end).trim();
}

/** The event's data lines, parsed; undefined when they are not JSON. */
function dataOf(raw: string): EventData | undefined {
  let data: string | undefined;
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  if (data === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === 'object' && parsed !== null ? (parsed as EventData) : undefined;
  } catch {
    return undefined;
  }
}
