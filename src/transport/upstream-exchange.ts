/**
 * One request to an upstream on undici's `dispatch`, the API its own `request` and `stream` are built
 * on. `request` wraps every answer in a Readable and a promise per read; this costs 12–19 µs less client
 * CPU a request (about 30 % of undici's share: 50 concurrent requests against bench/fake-upstream.ts,
 * three alternating runs of 30,000 each way; docs/performance.md), on the path every completion takes.
 *
 *   const exchange = new UpstreamExchange(pool, request, options);
 *   const head = await exchange.head;           // status and headers, or the transport error
 *   const text = await exchange.text();         // a whole body: JSON answers, error bodies
 *   const bytes = await exchange.bytes();       // the same, undecoded
 *   await exchange.consume((bytes) => ...);     // a stream, with backpressure (return false → paused)
 *   await exchange.discard();                   // read to the end, keeping nothing (probes)
 *   exchange.abort(error);                      // from a deadline; the consumer sees `error`
 *
 * The request's signal (client gone, request deadline, `timeout_ms`) aborts the exchange with the
 * signal's reason, as undici's own `signal` option does, so callers tell the causes apart the same way.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import type { UpstreamRequest } from '../providers/types.ts';
import type { UpstreamCallOptions } from './upstream-call.ts';

export interface UpstreamHead {
  statusCode: number;
  headers: IncomingHttpHeaders;
}

/** Takes one piece of the body; false asks for a pause until `resume()`. */
export type BodySink = (bytes: Buffer) => boolean;

type Controller = Dispatcher.DispatchController;

export class UpstreamExchange {
  readonly head: Promise<UpstreamHead>;
  #resolveHead!: (head: UpstreamHead) => void;
  #rejectHead!: (error: Error) => void;
  #headSettled = false;

  #controller: Controller | undefined;
  #signal: AbortSignal;
  #abortReason: Error | undefined;
  readonly #onSignal = () => this.abort(this.#signal.reason as Error);

  /**
   * Body pieces not yet handed to the sink: those that arrived before it attached (often in the same
   * read as the headers), or while it was paused. undici honours a pause only through the return value
   * of the data callback it happens in, so one asked for elsewhere would let a piece through.
   */
  #buffered: Buffer[] = [];
  #sink: BodySink | undefined;
  #paused = false;
  #ended = false;
  #error: Error | undefined;
  #settleBody: ((error?: Error) => void) | undefined;

  constructor(pool: Pool, request: UpstreamRequest, options: UpstreamCallOptions) {
    this.head = new Promise((resolve, reject) => {
      this.#resolveHead = resolve;
      this.#rejectHead = reject;
    });
    // Settled heads that nobody awaits (an aborted exchange) must not surface as unhandled rejections.
    this.head.catch(() => {});
    this.#signal = options.signal;
    if (this.#signal.aborted) {
      this.#fail(this.#signal.reason as Error);
      return;
    }
    this.#signal.addEventListener('abort', this.#onSignal, { once: true });
    try {
      this.#dispatch(pool, request, options);
    } catch (error) {
      // A pool closed by a reload while a request still held the old snapshot, say: a transport failure
      // like any other, which the attempt loop can fail over from.
      this.#fail(error as Error);
    }
  }

  #dispatch(pool: Pool, request: UpstreamRequest, options: UpstreamCallOptions): void {
    pool.dispatch(
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        // Bytes, not text: undici would measure a string with V8's scalar UTF-8 length and encode it
        // again on write; Buffer.from does both in one SIMD pass.
        body: request.body === undefined ? undefined : Buffer.from(request.body),
        headersTimeout: options.firstByteTimeoutMs,
        bodyTimeout: options.idleTimeoutMs,
      },
      {
        onRequestStart: (controller) => {
          this.#controller = controller;
          if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
        },
        onResponseStart: (_controller, statusCode, headers) => {
          if (statusCode < 200) return; // 1xx informational; the real answer follows
          this.#headSettled = true;
          this.#resolveHead({ statusCode, headers: headers as IncomingHttpHeaders });
        },
        onResponseData: (_controller, chunk) => {
          if (this.#sink === undefined || this.#paused) this.#buffered.push(chunk);
          else this.#deliver(chunk);
        },
        onResponseEnd: () => this.#end(),
        onResponseError: (_controller, error) => this.#fail(error),
      },
    );
  }

  /** The whole body as text (JSON answers, error bodies). */
  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  /** The whole body as bytes: a passthrough answer goes to the client as it came. */
  async bytes(): Promise<Buffer> {
    const pieces: Buffer[] = [];
    await this.consume((bytes) => {
      pieces.push(bytes);
      return true;
    });
    return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
  }

  /** Reads the body to its end without keeping it, so the connection can serve the next request. */
  discard(): Promise<void> {
    return this.consume(() => true);
  }

  /**
   * Feeds the body to `sink` piece by piece and resolves at its end. A sink that throws aborts the
   * exchange and rejects with what it threw; one that returns false gets nothing more until `resume()`.
   */
  consume(sink: BodySink): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#settleBody = (error) => {
        this.#settleBody = undefined;
        this.#signal.removeEventListener('abort', this.#onSignal);
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#sink = sink;
      this.#drainBuffered();
    });
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#drainBuffered();
    if (!this.#paused && this.#controller?.paused === true) this.#controller.resume();
  }

  /** Ends the exchange; a pending `head` or `consume` rejects with `reason`. */
  abort(reason: Error): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    const controller = this.#controller;
    if (!this.#ended && controller !== undefined && !controller.aborted) controller.abort(reason);
    // Queued in the pool, or past its headers with nobody reading: settle now, not when undici gets to it.
    this.#fail(reason);
  }

  #deliver(chunk: Buffer): void {
    try {
      if ((this.#sink as BodySink)(chunk) === false) {
        this.#paused = true;
        this.#controller?.pause();
      }
    } catch (error) {
      // Also when the body has already ended (an in-band error event often is the last bytes).
      this.abort(error as Error);
    }
  }

  #drainBuffered(): void {
    while (this.#buffered.length > 0 && !this.#paused && this.#error === undefined) {
      this.#deliver(this.#buffered.shift() as Buffer);
    }
    if (this.#error !== undefined) this.#settleBody?.(this.#error);
    else if (this.#ended && this.#buffered.length === 0 && !this.#paused) this.#settleBody?.();
  }

  #end(): void {
    if (this.#ended || this.#error !== undefined) return;
    this.#ended = true;
    this.#signal.removeEventListener('abort', this.#onSignal);
    if (this.#sink !== undefined) this.#drainBuffered();
  }

  #fail(error: Error): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#signal.removeEventListener('abort', this.#onSignal);
    if (!this.#headSettled) {
      this.#headSettled = true;
      this.#rejectHead(error);
    }
    this.#settleBody?.(error);
  }
}
