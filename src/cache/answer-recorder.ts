/**
 * Keeps what one request sent its client, for the cache to store once the answer is complete: the JSON
 * body as sent, or each stream chunk as written (the usage chunk too, sent or not). Bounded by the
 * entry cap: past it the recording stops and nothing is stored. Recording is a reference kept or an
 * array push; parsing waits until the response has ended (pipeline/cache.ts).
 */
import type { ChatCompletion } from '../protocol/chat-response.ts';
import { reassembleStream } from './stream-reassembly.ts';

export class AnswerRecorder {
  readonly #maxBytes: number;
  #chunks: string[] = [];
  #chunkBytes = 0;
  #body: Buffer | undefined;
  #overflow = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** A new upstream attempt begins: what an abandoned one emitted before failing over is not the answer. */
  reset(): void {
    this.#chunks = [];
    this.#chunkBytes = 0;
    this.#body = undefined;
    this.#overflow = false;
  }

  chunk(json: string): void {
    if (this.#overflow) return;
    this.#chunkBytes += json.length;
    if (this.#chunkBytes > this.#maxBytes) {
      this.#overflow = true;
      this.#chunks = [];
      return;
    }
    this.#chunks.push(json);
  }

  body(bytes: Buffer): void {
    if (bytes.length > this.#maxBytes) this.#overflow = true;
    else this.#body = bytes;
  }

  /** The recorded answer as a completion, or undefined when there is none or it cannot be rebuilt. */
  completion(): ChatCompletion | undefined {
    if (this.#overflow) return undefined;
    const body = this.#body;
    if (body !== undefined) {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as ChatCompletion;
        return typeof parsed === 'object' && parsed !== null && Array.isArray(parsed.choices)
          ? parsed
          : undefined;
      } catch {
        // Not JSON after all (an adapter bug): nothing to store, the client already has its answer.
        return undefined;
      }
    }
    return this.#chunks.length === 0 ? undefined : reassembleStream(this.#chunks);
  }
}
