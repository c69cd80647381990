/**
 * A passed-through Anthropic stream under output moderation (pipeline/exchange.ts): the upstream's events
 * go out as moderation releases them, unchanged, and what a well-formed end needs is noted on the way, so
 * a block can close the stream in Anthropic's own terms: the open content block stopped, then
 * `message_delta` with `stop_reason: "refusal"` and `message_stop`, without which the SDKs produce no
 * Message. Only block starts and stops are looked at; text deltas, nearly every event, are not.
 */
import type { Usage } from '../../protocol/chat-response.ts';
import type { SseSink } from '../types.ts';
import { anthropicUsage } from './response.ts';

export class MessagesRelay {
  readonly #sink: SseSink;
  /** The id and model of a `message_start` of our own, for a block before the upstream's went out. */
  readonly #start: () => { id: string; model: string };
  #started = false;
  #openIndex: number | undefined = undefined;
  #deltaSent = false;
  #stopped = false;

  constructor(sink: SseSink, start: () => { id: string; model: string }) {
    this.#sink = sink;
    this.#start = start;
  }

  relay(raw: string): void {
    this.#sink.raw(raw);
    if (raw.startsWith('event: content_block_delta')) return;
    switch (eventType(raw)) {
      case 'message_start':
        this.#started = true;
        return;
      case 'content_block_start':
        this.#openIndex = Number(/"index":(\d+)/.exec(raw)?.[1] ?? 0);
        return;
      case 'content_block_stop':
        this.#openIndex = undefined;
        return;
      case 'message_delta':
        this.#deltaSent = true;
        return;
      case 'message_stop':
        this.#stopped = true;
        return;
      default:
        return;
    }
  }

  block(usage: Usage | undefined): void {
    if (this.#stopped) return;
    const sink = this.#sink;
    if (!this.#started) {
      const { id, model } = this.#start();
      const message = {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(usage),
      };
      sink.event('message_start', JSON.stringify({ type: 'message_start', message }));
    }
    if (this.#openIndex !== undefined)
      sink.event(
        'content_block_stop',
        JSON.stringify({ type: 'content_block_stop', index: this.#openIndex }),
      );
    // A message_delta already relayed carried the upstream's own stop reason; only the end follows it.
    if (!this.#deltaSent)
      sink.event(
        'message_delta',
        JSON.stringify({
          type: 'message_delta',
          delta: { stop_reason: 'refusal', stop_sequence: null },
          usage: anthropicUsage(usage),
        }),
      );
    sink.event('message_stop', '{"type":"message_stop"}');
    this.#stopped = true;
  }
}

/** The event's name: its `event:` line (Anthropic always sends one), else the data's leading `type`. */
function eventType(raw: string): string | undefined {
  if (raw.startsWith('event: ')) {
    const end = raw.indexOf('\n');
    return raw.slice(7, end === -1 ? undefined : end).trim();
  }
  return /"type":"([a-z_]+)"/.exec(raw)?.[1];
}
