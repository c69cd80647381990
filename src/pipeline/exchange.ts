/**
 * One exchange with one upstream target: send, read, translate, and turn whatever went wrong into a
 * classified failure. JSON answers are sent whole; a stream's response is committed to the client only
 * when its first translated chunk exists (the first-byte boundary of docs/design.md §2), and a failure after
 * that ends the stream with an error event. The attempt loop (attempt.ts) decides what to do next.
 */
import type { CompiledTarget } from '../config/compile.ts';
import type { FrontCall, FrontStream } from '../fronts/types.ts';
import type { StreamModerator } from '../guardrails/moderation/stream-moderator.ts';
import { captureChunk } from '../observability/body-capture.ts';
import { priceAnswer } from './account.ts';
import { upstreamTimeout } from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { type HeaderBag, parseRetryAfterMs } from '../providers/shared/retry-after.ts';
import { checkedFinalEvent } from '../providers/shared/final-event.ts';
import { type SseEvent, SseParser } from '../providers/shared/sse.ts';
import {
  type EmitChunk,
  type TranslationContext,
  type UpstreamFailure,
  UpstreamProtocolError,
  type UpstreamRequest,
  UpstreamStreamError,
} from '../providers/types.ts';
import { rateLimitResetMs } from '../routing/rate-limit-reset.ts';
import { SseWriter } from '../server/sse-writer.ts';
import { classifyTransportError, isAbort } from '../transport/upstream-call.ts';
import { type UpstreamHead, UpstreamExchange } from '../transport/upstream-exchange.ts';
import type { RequestContext } from './context.ts';
import { createStreamModerator, moderateAnswer, moderateCompletion, moderationFor } from './guard-out.ts';
import type { Usage } from '../protocol/chat-response.ts';
import { tokensOf } from '../observability/request-record.ts';
import { RelayEvents } from './relay-events.ts';
import { type HedgeEntrant, HedgeLostError } from './hedge.ts';
import { addUsage, type DeliveredStream, usageChunkWithPrior } from './stream-delivery.ts';
import { relayableFailure, UPSTREAM_ERROR_BODY_MAX_BYTES } from './relayed-failure.ts';
import { sendCompletion, startEventStream } from './respond.ts';
import { scrubberFor } from './secret-scrubber.ts';

/** Thrown when the client left: nothing is written, only logged. */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}

export type AttemptOutcome =
  | { kind: 'done'; latencyMs: number }
  | { kind: 'failed'; failure: UpstreamFailure }
  /** A stream broke after its first byte, and the request may continue it elsewhere (StreamRecovery). */
  | { kind: 'broken'; failure: UpstreamFailure; usage: Usage | undefined }
  /**
   * A hedged attempt another one beat to the first byte (hedge.ts): aborted, nothing sent. `usage`: what
   * it consumed, when the provider had said (a JSON answer that finished a moment too late).
   */
  | { kind: 'lost'; usage?: Usage };

const LOST: AttemptOutcome = Object.freeze({ kind: 'lost' });

/**
 * The attempt's first-byte deadline: for a stream, adaptive to the target's recent time to first token
 * (routing/first-token-stats.ts); for a JSON answer, whose first byte comes when the whole answer is
 * generated and so grows with its length, the provider's fixed `first_byte_timeout_ms`. Never past the
 * request's own deadline.
 */
export function firstByteTimeoutMs(target: CompiledTarget, ctx: RequestContext): number {
  const remaining = ctx.startedAt + ctx.snapshot.config.server.request_timeout_ms - performance.now();
  const timeouts = target.provider.timeouts;
  // A model's own setting wins over its provider's (null: fixed for this model).
  const override = ctx.model?.firstToken;
  const policy = override === undefined ? timeouts.firstToken : (override ?? undefined);
  const limit = ctx.stream
    ? target.runtime.firstToken.deadlineMs(policy, timeouts.firstByteMs)
    : timeouts.firstByteMs;
  return Math.max(1, Math.min(limit, Math.ceil(remaining)));
}

export async function jsonAttempt(
  ctx: RequestContext,
  target: CompiledTarget,
  upstreamRequest: UpstreamRequest,
  translation: TranslationContext,
  signal: AbortSignal,
  started: number,
  entrant?: HedgeEntrant,
): Promise<AttemptOutcome> {
  const provider = target.provider;
  const exchange = openExchange(ctx, target, upstreamRequest, signal);
  let head: UpstreamHead;
  try {
    head = await exchange.head;
  } catch (error) {
    if (entrant?.lost === true) return LOST;
    return failed(ctx, transportFailure(ctx, error, provider.name));
  }
  ctx.upstreamHeadAt = performance.now();
  try {
    if (head.statusCode < 200 || head.statusCode >= 300) {
      return failed(ctx, classifyHttpFailure(target, head, await readErrorBody(exchange)));
    }
    const bodyBytes = await exchange.bytes();
    const bodyText = bodyBytes.toString('utf8');
    const front = ctx.front;
    if (front !== undefined) {
      const answer = front.answer(frontCall(ctx, target, translation), bodyText);
      // A hedged request: the first whole answer is the one the client gets (as for chat below).
      if (entrant !== undefined && !entrant.claim()) return { kind: 'lost', usage: answer.usage };
      relayHeaders(ctx, target, head);
      ctx.provider = provider.name;
      ctx.upstreamModel = answer.model || target.adapterTarget.model;
      ctx.targetModel = target.adapterTarget.model;
      ctx.usage = answer.usage;
      if (answer.usageEstimated === true) ctx.usageEstimated = true;
      ctx.finishReason = answer.finishReason;
      ctx.rawFinishReason = answer.rawFinishReason;
      priceAnswer(ctx);
      // Output moderation (guard-out.ts) of the answer as a chat completion; one it blocked or redacted
      // goes out in the front's own terms, and the upstream's bytes do not.
      const moderation = answer.moderation;
      const checked =
        moderation === undefined ? undefined : moderateAnswer(ctx, target, moderation.completion);
      const moderated = checked instanceof Promise ? await checked : checked;
      if (moderation !== undefined && moderated !== undefined)
        sendCompletion(ctx, moderation.render(moderated));
      else sendCompletion(ctx, answer.body ?? bodyBytes);
      return { kind: 'done', latencyMs: performance.now() - started };
    }
    const translated = provider.adapter.fromResponse(bodyText, translation);
    // A hedged request: the first whole answer is the one the client gets.
    if (entrant !== undefined && !entrant.claim()) return { kind: 'lost', usage: translated.usage };
    ctx.provider = provider.name;
    ctx.upstreamModel = translated.completion.model || target.adapterTarget.model;
    ctx.targetModel = target.adapterTarget.model;
    ctx.usage = translated.usage;
    ctx.finishReason = translated.finishReason;
    ctx.rawFinishReason = translated.rawFinishReason;
    priceAnswer(ctx);
    // Output moderation (guard-out.ts): a replacement body only when it blocked or redacted something.
    const checked = moderateCompletion(ctx, target, translated);
    const moderated = checked instanceof Promise ? await checked : checked;
    if (ctx.captureBodies) ctx.responseText = moderated ?? translated.body;
    // An answer moderation changed (blocked or redacted) is never cached; an unchanged one may be.
    if (moderated !== undefined) ctx.cacheStoreVetoed = true;
    else ctx.cacheRecorder?.answer(translated.completion, translated.body);
    // A passthrough adapter answers with the upstream's own text: its bytes go out as they came.
    sendCompletion(ctx, moderated ?? (translated.body === bodyText ? bodyBytes : translated.body));
    return { kind: 'done', latencyMs: performance.now() - started };
  } catch (error) {
    // A 200 whose body reports a failure (Mistral finish_reason "error", DeepSeek
    // "insufficient_system_resource") is classified by the adapter like any other upstream error.
    if (entrant?.lost === true) return LOST;
    if (error instanceof UpstreamStreamError) return failed(ctx, error.failure);
    if (error instanceof UpstreamProtocolError) return failed(ctx, protocolFailure(error));
    return failed(ctx, transportFailure(ctx, error, provider.name));
  }
}

/**
 * Stream recovery for one streamed request (attempt.ts, continuation.ts): what went out so far, and
 * for a continuation attempt the usage of the attempts before it. Undefined when the request's stream
 * could not be continued anywhere: nothing is recorded then.
 */
export interface StreamRecovery {
  delivered: DeliveredStream;
  /** A continuation attempt: the client's stream is already open, and this attempt only adds to it. */
  continuing: boolean;
  /** Usage of the broken attempts this one continues, added to its own. */
  priorUsage: Usage | undefined;
}

/** What a streamed attempt may carry besides the exchange: recovery, a hedge race, injected faults. */
export interface StreamExtras {
  recovery?: StreamRecovery;
  entrant?: HedgeEntrant;
  /** Chaos (src/chaos): cut the stream, or corrupt it, after this many events. */
  chaos?: { fault: 'cut' | 'malformed'; afterChunks: number };
}

export async function streamAttempt(
  ctx: RequestContext,
  target: CompiledTarget,
  upstreamRequest: UpstreamRequest,
  translation: TranslationContext,
  signal: AbortSignal,
  started: number,
  onFirstByte: (latencyMs: number) => void,
  extras: StreamExtras = {},
): Promise<AttemptOutcome> {
  const { recovery, entrant, chaos } = extras;
  const provider = target.provider;
  const exchange = openExchange(ctx, target, upstreamRequest, signal);
  let head: UpstreamHead;
  try {
    head = await exchange.head;
  } catch (error) {
    if (entrant?.lost === true) return LOST;
    return failed(ctx, transportFailure(ctx, error, provider.name));
  }
  ctx.upstreamHeadAt = performance.now();
  if (head.statusCode < 200 || head.statusCode >= 300) {
    try {
      return failed(ctx, classifyHttpFailure(target, head, await readErrorBody(exchange)));
    } catch (error) {
      return failed(ctx, transportFailure(ctx, error, provider.name));
    }
  }

  const parser = new SseParser();
  const writer = new SseWriter(ctx.res);
  const includeUsage = ctx.includeUsage;
  const delivered = recovery?.delivered;
  const priorUsage = recovery?.priorUsage;
  let firstByteMs = 0;
  /** This attempt's first chunk went out: past here a failure can no longer be hidden by a fallback. */
  let firstSent = false;
  // The cache keeps what this attempt sends (the usage chunk too), for the store once it is complete.
  const recorder = ctx.front === undefined ? ctx.cacheRecorder : undefined;
  recorder?.reset();
  // Output moderation (guard-out.ts): undefined when off.
  const moderation = moderationFor(ctx, target);
  const frontStream =
    ctx.front === undefined
      ? undefined
      : ctx.front.openStream(frontCall(ctx, target, translation), writer, moderation !== undefined);
  /** A passthrough front: the upstream's own events go to the client, the chunks only say what they carry. */
  const relayStream = frontStream?.passthrough === true ? frontStream : undefined;
  const translator = frontStream?.translator ?? provider.adapter.createStreamTranslator(translation);
  // What reaches the client: the OpenAI chunks (a translated front renders them as its own events), each
  // recorded for stream recovery; a passthrough front relays the upstream's own bytes instead.
  const send =
    frontStream === undefined
      ? (json: string) => {
          delivered?.record(json);
          if (ctx.captureBodies) captureChunk(ctx, json);
          writer.data(json);
        }
      : (json: string) => {
          delivered?.record(json);
          frontStream.chunk(json, 'chunk');
        };
  // Output moderation holds text back until each sentence is judged. On a passthrough it holds the
  // upstream's own events, each with the text of the chunks read from it, and releases or drops them
  // together: what goes out is still the upstream's bytes, unchanged.
  const moderator =
    moderation === undefined
      ? undefined
      : createStreamModerator(
          ctx,
          moderation,
          relayStream === undefined ? send : (raw) => relayStream.relay(raw),
          // The hold timer released text, or blocked: a block ends the stream now, not at the next read.
          () => (moderator?.stopped === true ? exchange.abort(new ModerationStop()) : flushOut()),
          relayStream !== undefined,
        );
  const emit: EmitChunk = (json, kind) => {
    recorder?.chunk(json);
    if (kind === 'usage') {
      // A continued answer's usage counts every attempt (the client pays for both).
      if (!includeUsage || relayStream !== undefined) return;
      const usage = priorUsage === undefined ? json : usageChunkWithPrior(json, priorUsage);
      // Behind any text moderation still holds, so the usage never overtakes the answer.
      if (moderator !== undefined) moderator.push(usage, 'usage');
      else if (frontStream !== undefined) frontStream.chunk(usage, 'usage');
      else writer.data(usage);
      return;
    }
    ctx.streamedChunks++;
    if (relayStream !== undefined) {
      // Only read, for the text of the event it came from, which moderation holds until that is judged.
      moderator?.push(json, kind);
      return;
    }
    if (moderator !== undefined) {
      // The upstream has answered: the first-token deadline is met even while moderation holds the text.
      firstToken.clear();
      moderator.push(json, kind);
    } else send(json);
  };
  // A passthrough relays the upstream's text as it came; a decoder keeps a UTF-8 character split
  // across two reads whole. Under moderation it is cut into whole events instead (relay-events.ts), each
  // read and then handed to the moderator with its bytes.
  const relay = relayStream !== undefined && moderator === undefined ? new TextDecoder('utf-8') : undefined;
  const relayEvents = relayStream !== undefined && moderator !== undefined ? new RelayEvents() : undefined;
  let events = 0;
  const onEvent =
    chaos === undefined
      ? (event: SseEvent) => translator.push(event, emit)
      : (event: SseEvent) => {
          if (++events > chaos.afterChunks) throw chaosStreamFault(chaos.fault, provider.name);
          translator.push(event, emit);
        };
  const onRelayEvent = (raw: string) => {
    parser.push(raw, onEvent);
    moderator?.pushEvent(raw);
  };
  // Providers flush a stream's headers at once and may then think for minutes: undici's headers timeout
  // has passed, and its body timeout is the (longer) idle deadline. So the time-to-first-token deadline
  // runs on until the first translated chunk, with one timer per attempt, cleared at commit.
  const firstTokenMs = firstByteTimeoutMs(target, ctx);
  const firstToken = new FirstTokenDeadline(exchange, firstTokenMs - (performance.now() - started));
  // Once events flow, a silence longer than the idle deadline is a stall, noticed in that time rather
  // than at the request's deadline.
  const idle = new StreamIdleWatch(exchange, provider.timeouts.idleMs);
  const commit = () => {
    // A hedged request: the first attempt with a chunk to send gets the client; the other stops here.
    if (entrant !== undefined && !entrant.claim()) throw new HedgeLostError();
    firstSent = true;
    firstToken.clear();
    idle.start();
    ctx.provider = provider.name;
    ctx.upstreamModel = translator.model ?? target.adapterTarget.model;
    ctx.targetModel = target.adapterTarget.model;
    firstByteMs = performance.now() - started;
    // A continuation adds to a stream that is already open.
    if (!ctx.committed) {
      if (frontStream !== undefined) relayHeaders(ctx, target, head);
      startEventStream(ctx);
    }
    onFirstByte(firstByteMs);
  };

  // A full client socket pauses the upstream read until it drains, so a slow client slows the
  // upstream instead of growing our memory.
  const resume = () => {
    idle.paused = false;
    exchange.resume();
  };
  const flushOut = (): boolean => {
    if (!writer.hasPending) return true;
    if (!firstSent) commit();
    const flowing = writer.flush(resume);
    // A slow client pauses the upstream read: its silence then is ours, not a stall.
    if (!flowing) idle.paused = true;
    return flowing;
  };
  try {
    await exchange.consume((bytes) => {
      idle.touch();
      if (relayEvents !== undefined) relayEvents.push(bytes, onRelayEvent);
      else {
        if (relay !== undefined) writer.raw(relay.decode(bytes, { stream: true }));
        parser.push(bytes, onEvent);
      }
      if (moderator !== undefined) {
        if (moderator.stopped) throw new ModerationStop();
        // The first-byte boundary stays where it is without moderation: the upstream's first chunk. The
        // headers go out then; held text follows once judged, and a failure after this is an error event.
        if (!firstSent && moderator.received) commit();
        if (moderator.pending) {
          // A remote check is running: hold the upstream until it settles, then send what it released.
          idle.paused = true;
          moderator.whenSettled(() => {
            if (moderator.stopped) exchange.abort(new ModerationStop());
            else if (flushOut()) resume();
          });
          return false;
        }
      }
      return flushOut();
    });
    firstToken.clear();
    idle.clear();
    // A moderated relay's last event may lack its blank line: it is read and held like the others.
    const lastEvent = relayEvents?.end() ?? '';
    if (lastEvent !== '') parser.push(lastEvent, onEvent);
    parser.end(checkedFinalEvent(onEvent));
    translator.end(emit);
    if (lastEvent !== '') moderator?.pushEvent(lastEvent);
    if (relay !== undefined) writer.raw(relay.decode());
    const held = moderator?.finish();
    if (held !== undefined) await held;
    moderator?.close();
    if (!firstSent) commit();
    ctx.usage = addUsage(priorUsage, translator.usage);
    if (moderator?.stopped === true) endBlocked(ctx, frontStream, moderator);
    else frontStream?.end();
    ctx.finishReason = moderator?.stopped === true ? 'content_filter' : translator.finishReason;
    ctx.rawFinishReason = translator.rawFinishReason;
    await writer.finish(frontStream === undefined);
    return { kind: 'done', latencyMs: firstByteMs };
  } catch (error) {
    firstToken.clear();
    idle.clear();
    moderator?.close();
    if (error instanceof ModerationStop && moderator !== undefined) {
      // Moderation blocked a sentence: the answer ends here, in the client's protocol.
      ctx.usage = addUsage(priorUsage, translator.usage);
      if (!firstSent) commit();
      endBlocked(ctx, frontStream, moderator);
      ctx.finishReason = 'content_filter';
      ctx.rawFinishReason = translator.rawFinishReason;
      await writer.finish(frontStream === undefined);
      return { kind: 'done', latencyMs: firstByteMs };
    }
    if (!firstSent && (entrant?.lost === true || error instanceof HedgeLostError)) {
      exchange.abort(new HedgeLostError());
      delivered?.discard();
      return translator.usage === undefined ? LOST : { kind: 'lost', usage: translator.usage };
    }
    let failure: UpstreamFailure;
    if (firstToken.fired) {
      failure = firstTokenTimeout(provider.name);
      // The first token took at least this long: an adaptive deadline learns from it (first-token-stats.ts).
      // One at the fixed ceiling says nothing new and would only pin the p99 there.
      if (firstTokenMs < provider.timeouts.firstByteMs) target.runtime.firstToken.add(firstTokenMs);
    } else if (idle.fired) failure = streamIdleTimeout(provider.name, provider.timeouts.idleMs);
    else if (error instanceof UpstreamStreamError) failure = error.failure;
    else if (error instanceof UpstreamProtocolError) failure = protocolFailure(error);
    else failure = transportFailure(ctx, error, provider.name);
    if (!firstSent) {
      exchange.abort(new Error('attempt abandoned'));
      delivered?.discard();
      return failed(ctx, failure);
    }
    exchange.abort(new Error('stream broken'));
    ctx.usage = addUsage(priorUsage, translator.usage);
    if (relay !== undefined && error instanceof UpstreamStreamError) {
      // A passthrough relayed the upstream's own error event (in-band, in the provider's shape): it goes
      // out as the stream's last event, and the gateway adds no second one (respond.ts sendError).
      ctx.upstreamErrorRelayed = true;
      writer.flush(noop);
    } else if (relayEvents !== undefined) {
      // A moderated relay sends only judged events, never the upstream's error event (a Responses
      // `response.failed` repeats the answer so far): what was released goes out, then the gateway's own.
      writer.flush(noop);
    }
    if (delivered !== undefined) {
      // What the translator emitted before the break goes out, so the client has exactly what was
      // recorded as delivered; the loop then tries to continue it elsewhere.
      writer.flush(noop);
      return {
        kind: 'broken',
        failure: relayableFailure(failure, scrubberFor(ctx.snapshot)),
        usage: translator.usage,
      };
    }
    // Past the first byte with nowhere to continue: the stream ends with an error event, never a normal finish.
    throw streamBrokenError(ctx, provider.name, failure, error);
  }
}

/**
 * Output moderation blocked a stream: its end in the client's protocol. Chat has its content_filter chunk
 * (and the upstream's usage chunk, if it came) from the moderator; a front writes its own closing events.
 * A client that asked for usage gets what the request is charged, though the upstream's never came.
 */
function endBlocked(
  ctx: RequestContext,
  frontStream: FrontStream | undefined,
  moderator: StreamModerator,
): void {
  if (frontStream !== undefined) frontStream.block(chargedUsage(ctx));
  else if (ctx.includeUsage) moderator.writeUsage(chargedUsage(ctx));
}

/**
 * The usage a request is charged and logged (observability/request-record.ts): the upstream's, else,
 * for a stream cut before its usage came, the estimate (the prompt, one token per chunk received).
 */
function chargedUsage(ctx: RequestContext): Usage {
  if (ctx.usage !== undefined) return ctx.usage;
  const tokens = tokensOf(ctx);
  return {
    prompt_tokens: tokens.prompt,
    completion_tokens: tokens.completion,
    total_tokens: tokens.prompt + tokens.completion,
  };
}

/** A front's passthrough headers, set just before the answer's own headers are written. */
function relayHeaders(ctx: RequestContext, target: CompiledTarget, head: UpstreamHead): void {
  const headers = ctx.front?.relayHeaders?.(target, head.headers as HeaderBag);
  if (headers === undefined) return;
  for (const name in headers) ctx.res.setHeader(name, headers[name] as string);
}

function frontCall(ctx: RequestContext, target: CompiledTarget, translation: TranslationContext): FrontCall {
  return { target, translation, native: ctx.frontNative ?? {} };
}

/** Thrown into the upstream read when output moderation blocked the answer: stop reading, end cleanly. */
class ModerationStop extends Error {
  constructor() {
    super('output moderation blocked the answer');
    this.name = 'ModerationStop';
  }
}

const noop = () => {};

/** The injected fault of a chaos-cut or chaos-corrupted stream, shaped as the real one would be. */
function chaosStreamFault(fault: 'cut' | 'malformed', provider: string): Error {
  if (fault === 'malformed') return new UpstreamProtocolError(`chaos: a malformed event from ${provider}`);
  return Object.assign(new Error(`chaos: the stream from ${provider} was cut`), { code: 'UND_ERR_SOCKET' });
}

/** The error event that ends a stream broken after its first byte, naming the upstream's failure. */
export function streamBrokenError(
  ctx: RequestContext,
  providerName: string,
  failure: UpstreamFailure,
  cause?: unknown,
): GatewayError {
  const relayed = relayableFailure(failure, scrubberFor(ctx.snapshot));
  return new GatewayError({
    status: 502,
    type: 'server_error',
    code: 'upstream_stream_error',
    message: `The stream from ${providerName} failed after it started: ${relayed.message}`,
    // An in-band error carries the upstream's unscrubbed text; the relayed message above has it all.
    cause: cause instanceof UpstreamStreamError ? undefined : cause,
  });
}

/** Ends a stream's body when no event arrived before the attempt's first-byte deadline. */
class FirstTokenDeadline {
  fired = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(exchange: UpstreamExchange, remainingMs: number) {
    this.#timer = setTimeout(
      () => {
        this.fired = true;
        exchange.abort(new Error('no stream event before the first-byte deadline'));
      },
      Math.max(1, Math.ceil(remainingMs)),
    );
    this.#timer.unref();
  }

  clear(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Ends a stream that went silent for longer than the idle deadline after its first event. One lazy timer
 * per stream: each chunk only notes the time, and the timer, when it fires early, sleeps for the rest.
 */
class StreamIdleWatch {
  fired = false;
  /** True while a slow client holds the upstream read paused. */
  paused = false;
  readonly #exchange: UpstreamExchange;
  readonly #idleMs: number;
  #lastAt = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #check = () => {
    const quietMs = performance.now() - this.#lastAt;
    if (this.paused || quietMs < this.#idleMs) {
      this.#arm(this.paused ? this.#idleMs : this.#idleMs - quietMs);
      return;
    }
    this.#timer = undefined;
    this.fired = true;
    this.#exchange.abort(new Error('no stream chunk within the idle deadline'));
  };

  constructor(exchange: UpstreamExchange, idleMs: number) {
    this.#exchange = exchange;
    this.#idleMs = idleMs;
  }

  start(): void {
    this.#lastAt = performance.now();
    if (this.#timer === undefined) this.#arm(this.#idleMs);
  }

  touch(): void {
    this.#lastAt = performance.now();
  }

  clear(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#check, Math.max(1, Math.ceil(delayMs)));
    this.#timer.unref();
  }
}

function streamIdleTimeout(provider: string, idleMs: number): UpstreamFailure {
  return {
    errorClass: 'timeout',
    status: 0,
    message: `${provider} timed out between stream chunks (none for ${idleMs} ms after the stream started)`,
    code: 'stream_idle_timeout',
    param: null,
    retryAfterMs: undefined,
  };
}

function firstTokenTimeout(provider: string): UpstreamFailure {
  return {
    errorClass: 'timeout',
    status: 0,
    message: `${provider} sent its stream headers but no event before the first-byte deadline`,
    code: 'first_token_timeout',
    param: null,
    retryAfterMs: undefined,
  };
}

function openExchange(
  ctx: RequestContext,
  target: CompiledTarget,
  upstreamRequest: UpstreamRequest,
  signal: AbortSignal,
): UpstreamExchange {
  const timeouts = target.provider.timeouts;
  return new UpstreamExchange(target.provider.pool, upstreamRequest, {
    firstByteTimeoutMs: firstByteTimeoutMs(target, ctx),
    // undici's body timeout also runs from a stream's headers to its first event, which a model may
    // think through for minutes, and from a JSON answer's headers to its body, which some servers send
    // only when generation is done: it is the backstop; the first-token deadline and the stream idle
    // watch are the real limits.
    idleTimeoutMs: Math.max(timeouts.idleMs, timeouts.firstByteMs),
    signal,
  });
}

/** A failed attempt, its upstream text made fit to relay: our keys scrubbed, its length capped. */
export function failed(ctx: RequestContext, failure: UpstreamFailure): AttemptOutcome {
  return { kind: 'failed', failure: relayableFailure(failure, scrubberFor(ctx.snapshot)) };
}

/** Thrown by the error-body reader's sink to stop reading at the cap. */
class ErrorBodyCapReached extends Error {}

/**
 * A non-2xx body, at most UPSTREAM_ERROR_BODY_MAX_BYTES of it: an upstream (or a proxy in front of it)
 * that answers an error with megabytes, or without end, costs us that much and no more. Past the cap the
 * exchange is aborted rather than drained, so an endless body cannot hold the attempt until its timeout.
 */
export async function readErrorBody(
  exchange: UpstreamExchange,
  maxBytes = UPSTREAM_ERROR_BODY_MAX_BYTES,
): Promise<string> {
  const pieces: Buffer[] = [];
  let size = 0;
  try {
    await exchange.consume((bytes) => {
      const room = maxBytes - size;
      pieces.push(bytes.length > room ? bytes.subarray(0, room) : bytes);
      size += Math.min(bytes.length, room);
      if (size >= maxBytes) throw new ErrorBodyCapReached('upstream error body over the cap');
      return true;
    });
  } catch (error) {
    // Our own stop: what was read is the body we classify. Anything else is a transport failure.
    if (!(error instanceof ErrorBodyCapReached)) throw error;
  }
  return Buffer.concat(pieces, size).toString('utf8');
}

/**
 * The adapter's classification, plus a retry-after date read against our clock, or the OpenAI-style
 * reset headers when a 429 says nothing about when to come back (the key's cooldown and the client's
 * retry-after then follow the provider's own clock).
 */
export function classifyHttpFailure(
  target: CompiledTarget,
  head: UpstreamHead,
  bodyText: string,
): UpstreamFailure {
  const headers = head.headers as HeaderBag;
  const failure = target.provider.adapter.classifyError(head.statusCode, headers, bodyText);
  if (failure.retryAfterMs !== undefined) return failure;
  // Adapters hold no clock, so they measure an HTTP-date retry-after against the response's `date`
  // header only; a response without one is measured here, against ours.
  const untilDateMs = parseRetryAfterMs(headers, Date.now());
  if (untilDateMs !== undefined) return { ...failure, retryAfterMs: untilDateMs };
  if (failure.errorClass !== 'rate_limited') return failure;
  const resetMs = rateLimitResetMs(headers);
  return resetMs === undefined ? failure : { ...failure, retryAfterMs: resetMs };
}

/**
 * A transport error. Our own abort means the client left or the request deadline passed, unless only
 * the attempt's `timeout_ms` fired: then it is this target's timeout, and the loop fails over.
 */
export function transportFailure(ctx: RequestContext, error: unknown, provider: string): UpstreamFailure {
  const aborted = isAbort(error) || (error as { name?: string } | null)?.name === 'TimeoutError';
  if (aborted || ctx.abort.signal.aborted) {
    if (ctx.clientAborted) throw new ClientGoneError();
    if (ctx.deadlineExceeded) throw upstreamTimeout('The request did not complete within its deadline.');
    if (aborted) {
      return {
        errorClass: 'timeout',
        status: 0,
        message: `${provider} did not finish within its timeout_ms`,
        code: 'attempt_timeout',
        param: null,
        retryAfterMs: undefined,
      };
    }
  }
  return classifyTransportError(error, provider);
}

export function protocolFailure(error: UpstreamProtocolError): UpstreamFailure {
  // A malformed answer is the upstream's fault and usually transient (a proxy's HTML page, a cut body).
  return {
    errorClass: 'server',
    status: 200,
    message: error.message,
    code: 'malformed_response',
    param: null,
    retryAfterMs: undefined,
  };
}
