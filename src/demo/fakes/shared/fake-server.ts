/**
 * The HTTP shell every fake upstream runs in (node:http, no framework).
 *
 *   const fake = await startFakeServer({ name: 'openai', handler, port: 0, seed: 1 });
 *   fake.url                 'http://127.0.0.1:PORT'
 *   fake.requests            FakeRequestRecord[] in arrival order (pushed once the body is read)
 *   fake.control             ScriptController (script.ts): enqueue / setModelScript / setChaos
 *   await fake.waitForRequests(2)            resolves with the records once two have arrived
 *   await fake.waitFor((rs) => rs[0]?.aborted === true)
 *   await fake.down(); await fake.up();      refuse connections on the same port, then listen again
 *   await fake.stop();                       close, destroy sockets, end stalls and timers
 *
 * The handler gets one FakeExchange per request: the raw req/res, its record, the parsed body,
 * an AbortSignal that fires when the client goes away (or the fake stops), the seeded id source,
 * the injectable clock, and helpers that apply the request's script:
 *
 *   exchange.takeScript(model)                       decide the script (once per request)
 *   await exchange.applyEarlyFault(script, { streaming, errorFor, headers })   true → stop
 *   await exchange.sendJson(status, body, { script, generatedTokens | delayMs, headers })
 *   await exchange.sendEvents(events, { script, inBandError, headers })
 *   exchange.sendJsonNow(status, body, headers)      errors: no delay, no fault
 *
 * A provider handler, in short (openai/chat-completions.ts is the full example):
 *
 *   async function handler(ex: FakeExchange) {
 *     const script = ex.takeScript(modelOf(ex.body));
 *     if (await ex.applyEarlyFault(script, { streaming, errorFor: myErrorFor })) return;
 *     // auth, validation → ex.sendJsonNow(4xx, myErrorBody)
 *     const reply = planReply(toView(ex.body), script.reply);
 *     if (!streaming) return void (await ex.sendJson(200, render(reply), { script, generatedTokens: reply.usage.completionTokens }));
 *     await ex.sendEvents(renderEvents(reply).map((e) => sseFrame(e)), { script, headers, inBandError: myErrorEvent });
 *   }
 *
 * A request counts as `aborted` when the client disconnected before the fake finished its answer;
 * connections the fake drops on purpose (reset, cut, down()) and stop() do not count.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { destroyedByFake } from './deliberate-destroy.ts';
import { applyEarlyFault, type ProviderErrorFactory } from './fault-response.ts';
import { IdSource } from './ids.ts';
import { sendJson, sendJsonPaced } from './json-response.ts';
import {
  FAKE_SCRIPT_HEADER,
  type FakeChaos,
  type FakeLatency,
  type FakeScript,
  generationDelayMs,
  type ResolvedScript,
  ScriptController,
} from './script.ts';
import { writeEvents, type WriteEventsResult } from './sse-writer.ts';

export type FakeBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'empty' }
  | { kind: 'invalid'; text: string }
  | { kind: 'too_large' };

export interface FakeRequestRecord {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** The client disconnected before the fake finished answering. */
  aborted: boolean;
  /** The response was sent in full. */
  completed: boolean;
  /** Status sent, once headers went out. */
  status?: number;
  /** Where this request's script came from and the fault it carried. */
  script?: { source: ResolvedScript['source']; fault?: string };
  /** Set when the handler threw (a bug in the fake); the client got a 500. */
  error?: string;
}

export interface SendJsonOptions {
  script?: ResolvedScript;
  /** Tokens "generated" for this answer: the delay is firstByteMs + one interval per token. */
  generatedTokens?: number;
  /** An exact delay instead (e.g. computed earlier with generationDelayMs for a header). */
  delayMs?: number;
  headers?: OutgoingHttpHeaders;
}

export interface SendEventsOptions {
  script?: ResolvedScript;
  status?: number;
  headers?: OutgoingHttpHeaders;
  /** The provider's in-band error record(s) for the stream-error fault; without it, that fault cuts. */
  inBandError?: (status: number) => string[];
}

export interface FakeExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly record: FakeRequestRecord;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: FakeBody;
  /** Aborts when the client disconnects before the answer is complete, or the fake stops. */
  readonly signal: AbortSignal;
  readonly ids: IdSource;
  /** Milliseconds since the epoch, from the fake's clock. */
  now(): number;
  takeScript(model?: string): ResolvedScript;
  applyEarlyFault(
    script: ResolvedScript,
    options: { streaming: boolean; errorFor: ProviderErrorFactory; headers?: OutgoingHttpHeaders },
  ): Promise<boolean>;
  sendJson(
    status: number,
    body: unknown,
    options?: SendJsonOptions,
  ): Promise<'completed' | 'aborted' | 'cut'>;
  sendEvents(events: readonly string[], options?: SendEventsOptions): Promise<WriteEventsResult>;
  sendJsonNow(status: number, body: unknown, headers?: OutgoingHttpHeaders): void;
}

export type FakeHandler = (exchange: FakeExchange) => Promise<void> | void;

export interface FakeServerOptions {
  name: string;
  handler: FakeHandler;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  seed?: number;
  latency?: FakeLatency;
  chaos?: FakeChaos;
  clock?: () => number;
  /** Bodies above this are not parsed (FakeBody 'too_large'); default 32 MiB. */
  bodyLimitBytes?: number;
}

/** The options every provider's fake takes; each adds its own (catalogue, rate limits, …). */
export interface ProviderFakeOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Accepted API keys; default: any non-empty key. */
  keys?: readonly string[];
  latency?: FakeLatency;
  chaos?: FakeChaos;
  /** Milliseconds since the epoch; drives `created`, rate-limit windows and reset headers. */
  clock?: () => number;
  seed?: number;
}

export interface FakeServer {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly requests: FakeRequestRecord[];
  readonly control: ScriptController;
  readonly ids: IdSource;
  now(): number;
  stop(): Promise<void>;
  down(): Promise<void>;
  up(): Promise<void>;
  waitForRequests(count: number, timeoutMs?: number): Promise<FakeRequestRecord[]>;
  waitFor(
    predicate: (requests: FakeRequestRecord[]) => boolean,
    timeoutMs?: number,
  ): Promise<FakeRequestRecord[]>;
}

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
const DEFAULT_WAIT_MS = 5_000;

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const fake = new RunningFake(options);
  await fake.listen(options.port ?? 0);
  return fake;
}

class RunningFake implements FakeServer {
  readonly name: string;
  readonly requests: FakeRequestRecord[] = [];
  readonly control: ScriptController;
  readonly ids: IdSource;
  #host: string;
  #port = 0;
  #server: Server;
  #handler: FakeHandler;
  #clock: () => number;
  #bodyLimit: number;
  #stopped = new AbortController();
  #waiters = new Set<() => void>();
  #open = new Set<ServerResponse>();
  // Responses cut off by down(): the fake hung up on them, the client did not leave.
  #dropped = new WeakSet<ServerResponse>();

  constructor(options: FakeServerOptions) {
    this.name = options.name;
    this.#host = options.host ?? '127.0.0.1';
    this.#handler = options.handler;
    this.#clock = options.clock ?? Date.now;
    this.#bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
    const seed = options.seed ?? 1;
    this.control = new ScriptController({ seed, latency: options.latency, chaos: options.chaos });
    this.ids = new IdSource(seed);
    this.#server = createServer((req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        // #serve catches handler errors itself; reaching here means the socket broke while it did.
        console.error(`[fake ${this.name}] request failed`, error);
      });
    });
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  now(): number {
    return this.#clock();
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#server.once('error', onError);
      this.#server.listen(port, this.#host, () => {
        this.#server.off('error', onError);
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.#stopped.abort();
    await this.#close();
  }

  down(): Promise<void> {
    return this.#close();
  }

  async up(): Promise<void> {
    if (this.#server.listening) return;
    await this.listen(this.#port);
  }

  waitForRequests(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<FakeRequestRecord[]> {
    return this.waitFor((requests) => requests.length >= count, timeoutMs);
  }

  waitFor(
    predicate: (requests: FakeRequestRecord[]) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<FakeRequestRecord[]> {
    if (predicate(this.requests)) return Promise.resolve(this.requests);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this.requests)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.requests);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `fake ${this.name}: condition not met within ${timeoutMs} ms (${this.requests.length} requests)`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.#waiters.add(check);
    });
  }

  #changed(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #close(): Promise<void> {
    for (const res of this.#open) this.#dropped.add(res);
    return new Promise((resolve) => {
      if (!this.#server.listening) {
        this.#server.closeAllConnections();
        resolve();
        return;
      }
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const record: FakeRequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: undefined,
      rawBody: '',
      aborted: false,
      completed: false,
    };
    const local = new AbortController();
    const signal = AbortSignal.any([local.signal, this.#stopped.signal]);
    // Listeners go on before the body is read, so a client that leaves mid-upload is seen too.
    this.#open.add(res);
    res.on('finish', () => {
      record.completed = true;
      this.#changed();
    });
    res.on('close', () => {
      this.#open.delete(res);
      if (res.headersSent) record.status = res.statusCode;
      if (!res.writableFinished) {
        const byFake = destroyedByFake(res) || this.#dropped.has(res) || this.#stopped.signal.aborted;
        if (!byFake) record.aborted = true;
        local.abort();
      }
      this.#changed();
    });
    const { rawBody, body } = await this.#readBody(req);
    record.rawBody = rawBody;
    record.body = body.kind === 'json' ? body.value : undefined;
    this.requests.push(record);
    this.#changed();

    const exchange = this.#exchange(req, res, record, url, body, signal);
    try {
      await this.#handler(exchange);
    } catch (error) {
      record.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
      // A bug in the fake: make it loud in the test output and visible to the client.
      console.error(`[fake ${this.name}] handler threw`, error);
      sendJson(res, 500, { error: { message: `fake ${this.name} crashed: ${String(error)}` } });
    }
  }

  #exchange(
    req: IncomingMessage,
    res: ServerResponse,
    record: FakeRequestRecord,
    url: URL,
    body: FakeBody,
    signal: AbortSignal,
  ): FakeExchange {
    const control = this.control;
    return {
      req,
      res,
      record,
      method: record.method,
      path: url.pathname,
      query: url.searchParams,
      body,
      signal,
      ids: this.ids,
      now: this.#clock,
      takeScript(model) {
        const script = control.next(model, scriptFromHeader(req.headers[FAKE_SCRIPT_HEADER]));
        record.script = { source: script.source, fault: script.fault?.kind };
        return script;
      },
      applyEarlyFault(script, options) {
        return applyEarlyFault(res, script, { ...options, signal });
      },
      sendJson(status, payload, options = {}) {
        const { script } = options;
        const delayMs =
          options.delayMs ??
          (script === undefined ? 0 : generationDelayMs(script, options.generatedTokens ?? 0));
        return sendJsonPaced(res, status, payload, {
          delayMs,
          signal,
          headers: options.headers,
          cutHalfway: script?.fault?.kind === 'cut',
        });
      },
      sendEvents(events, options = {}) {
        const { script } = options;
        const fault = script?.fault;
        let frames = events;
        let destroyAfterEvents: number | undefined;
        // A fault past the end still lands before the last event (the terminator), so it always shows.
        const lastIndex = Math.max(0, events.length - 1);
        if (fault?.kind === 'cut') destroyAfterEvents = Math.min(fault.afterChunks, lastIndex);
        if (fault?.kind === 'stream-error') {
          const at = Math.min(fault.afterChunks, lastIndex);
          // A provider without an in-band error record gets a cut at the same place instead.
          if (options.inBandError === undefined) destroyAfterEvents = at;
          else frames = [...events.slice(0, at), ...options.inBandError(fault.status ?? 500)];
        }
        let holdOpen = false;
        if (fault?.kind === 'stall-mid-stream') {
          frames = events.slice(0, Math.min(fault.afterChunks, lastIndex));
          holdOpen = true;
        }
        if (fault?.kind === 'malformed') {
          const at = Math.min(fault.afterChunks, lastIndex);
          frames = [...events.slice(0, at), 'data: {"choices":[{"delta":{"content":"tr\n\n'];
          destroyAfterEvents = at + 1;
        }
        if (fault?.kind === 'no-done') frames = events.slice(0, lastIndex);
        return writeEvents(res, frames, {
          firstByteMs: script?.firstByteMs ?? 0,
          tokenIntervalMs: script?.tokenIntervalMs ?? 0,
          signal,
          destroyAfterEvents,
          holdOpen,
          status: options.status,
          headers: options.headers,
        });
      },
      sendJsonNow(status, payload, headers) {
        sendJson(res, status, payload, headers);
      },
    };
  }

  #readBody(req: IncomingMessage): Promise<{ rawBody: string; body: FakeBody }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.#bodyLimit) tooLarge = true;
        else chunks.push(chunk);
      });
      const finish = (): void => {
        if (tooLarge) {
          resolve({ rawBody: '', body: { kind: 'too_large' } });
          return;
        }
        const rawBody = Buffer.concat(chunks).toString('utf8');
        resolve({ rawBody, body: parseBody(rawBody) });
      };
      req.on('end', finish);
      // A client that disconnects mid-body still gets a record, marked aborted by the close handler.
      req.on('error', finish);
    });
  }
}

function parseBody(rawBody: string): FakeBody {
  if (rawBody.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(rawBody) };
  } catch {
    // Not an error for the fake: the provider decides how to reject a body that is not JSON.
    return { kind: 'invalid', text: rawBody };
  }
}

function scriptFromHeader(value: string | string[] | undefined): FakeScript | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? (parsed as FakeScript) : undefined;
  } catch {
    // A malformed test header is ignored rather than failing the request it rides on.
    return undefined;
  }
}
