/**
 * Writes an SSE response to the client. Chunks produced by one upstream read are joined and written
 * with one `write` call, and the writer waits for `drain` when the socket buffer is full, so a slow
 * client slows the upstream read instead of growing our memory.
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

  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /** Write what is queued; resolves once the socket can take more. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const text = this.#pending;
    this.#pending = '';
    if (this.#res.destroyed) return;
    if (!this.#res.write(text)) await waitForDrain(this.#res);
  }

  /** Queue `[DONE]`, flush and end the response. */
  async finish(): Promise<void> {
    this.#pending += 'data: [DONE]\n\n';
    const text = this.#pending;
    this.#pending = '';
    if (!this.#res.destroyed) this.#res.end(text);
  }
}

function waitForDrain(res: ServerResponse): Promise<void> {
  // 'close' also ends the wait: a client that left will never drain.
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
