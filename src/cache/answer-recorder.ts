/**
 * Keeps what one request sent its client, for the cache to store once the answer is complete: the JSON
 * answer (the adapter's parsed completion and the text sent, so storing it needs no second parse or
 * serialization), or each stream chunk as written (the usage chunk too, sent or not). Bounded by the
 * entry cap: past it the recording stops and nothing is stored. Recording is a reference kept or an
 * array push; reassembly waits until the response has ended (pipeline/cache.ts).
 */
import type { ChatCompletion } from '../protocol/chat-response.ts';
import { reassembleStream } from './stream-reassembly.ts';

export class AnswerRecorder {
  readonly #maxBytes: number;
  #chunks: string[] = [];
  #chunkBytes = 0;
  #completion: ChatCompletion | undefined;
  #completionJson: string | undefined;
  #overflow = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** A new upstream attempt begins: what an abandoned one emitted before failing over is not the answer. */
  reset(): void {
    this.#chunks = [];
    this.#chunkBytes = 0;
    this.#completion = undefined;
    this.#completionJson = undefined;
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

  /** A JSON answer: the completion and its JSON text as sent. */
  answer(completion: ChatCompletion, json: string): void {
    if (json.length > this.#maxBytes) this.#overflow = true;
    else {
      this.#completion = completion;
      this.#completionJson = json;
    }
  }

  /** The recorded answer as a completion, or undefined when there is none or it cannot be rebuilt. */
  completion(): ChatCompletion | undefined {
    if (this.#overflow) return undefined;
    if (this.#completion !== undefined) return this.#completion;
    return this.#chunks.length === 0 ? undefined : reassembleStream(this.#chunks);
  }

  /** The JSON text of a JSON answer as sent (undefined for a stream: its completion is rebuilt). */
  get completionJson(): string | undefined {
    return this.#overflow ? undefined : this.#completionJson;
  }
}
