/**
 * Writes an SSE response to the client. Chunks produced by one upstream read are joined and written
 * with one `write` call; when the socket buffer is full the caller pauses its upstream read until
 * `drain`, so a slow client slows the upstream instead of growing our memory.
 */
import type { ServerResponse } from 'node:http';

export class SseWriter {
  #res: ServerResponse;
  #pending = '';

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  /** Queue one `data:` event; nothing is written until `flush`. */
  data(json: string): void {
    this.#pending += `data: ${json}\n\n`;
  }

  /** Queue one named event (Anthropic's and the Responses API's framing). */
  event(name: string, json: string): void {
    this.#pending += `event: ${name}\ndata: ${json}\n\n`;
  }

  /** Queue text already in SSE framing (a passthrough's upstream bytes). */
  raw(text: string): void {
    this.#pending += text;
  }

  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * Write what is queued. False when the socket buffer is full: `onDrain` is then called once it can
   * take more (or the client has gone), and the caller holds its reads until then.
   */
  flush(onDrain: () => void): boolean {
    if (this.#pending.length === 0) return true;
    const text = this.#pending;
    this.#pending = '';
    if (this.#res.destroyed) return true;
    // Bytes: a chunked string write measures the text with V8's scalar UTF-8 length for the chunk
    // header, then encodes it; Buffer.from does the one SIMD pass both need.
    if (this.#res.write(Buffer.from(text))) return true;
    whenDrained(this.#res, onDrain);
    return false;
  }

  /** Queue `[DONE]` (Chat Completions' terminator; other protocols end with their own event), flush and end. */
  async finish(done = true): Promise<void> {
    if (done) this.#pending += 'data: [DONE]\n\n';
    const text = this.#pending;
    this.#pending = '';
    if (!this.#res.destroyed) this.#res.end(Buffer.from(text));
  }
}

function whenDrained(res: ServerResponse, callback: () => void): void {
  // 'close' also ends the wait: a client that left will never drain.
  const done = () => {
    res.off('drain', done);
    res.off('close', done);
    callback();
  };
  res.on('drain', done);
  res.on('close', done);
}
