/**
 * One exchange with one upstream target: send, read, translate, and turn whatever went wrong into a
 * classified failure. JSON answers are sent whole; a stream's response is committed to the client only
 * when its first translated chunk exists (the first-byte boundary of docs/design.md §2), and a failure after
 * that ends the stream with an error event. The attempt loop (attempt.ts) decides what to do next.
 */
import type { CompiledTarget } from '../config/compile.ts';
import type { FrontCall } from '../fronts/types.ts';
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
import { createStreamModerator, moderateCompletion } from './guard-out.ts';
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
  | { kind: 'failed'; failure: UpstreamFailure };

export function firstByteTimeoutMs(target: CompiledTarget, ctx: RequestContext): number {
  const remaining = ctx.startedAt + ctx.snapshot.config.server.request_timeout_ms - performance.now();
  return Math.max(1, Math.min(target.provider.timeouts.firstByteMs, Math.ceil(remaining)));
}

export async function jsonAttempt(
  ctx: RequestContext,
  target: CompiledTarget,
  upstreamRequest: UpstreamRequest,
  translation: TranslationContext,
  signal: AbortSignal,
  started: number,
): Promise<AttemptOutcome> {
  const provider = target.provider;
  const exchange = openExchange(ctx, target, upstreamRequest, signal);
  let head: UpstreamHead;
  try {
    head = await exchange.head;
  } catch (error) {
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
      relayHeaders(ctx, target, head);
      ctx.provider = provider.name;
      ctx.upstreamModel = answer.model || target.adapterTarget.model;
      ctx.usage = answer.usage;
      ctx.finishReason = answer.finishReason;
      ctx.rawFinishReason = answer.rawFinishReason;
      priceAnswer(ctx);
      sendCompletion(ctx, answer.body ?? bodyBytes);
      return { kind: 'done', latencyMs: performance.now() - started };
    }
    const translated = provider.adapter.fromResponse(bodyText, translation);
    ctx.provider = provider.name;
    ctx.upstreamModel = translated.completion.model || target.adapterTarget.model;
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
    if (error instanceof UpstreamStreamError) return failed(ctx, error.failure);
    if (error instanceof UpstreamProtocolError) return failed(ctx, protocolFailure(error));
    return failed(ctx, transportFailure(ctx, error, provider.name));
  }
}

export async function streamAttempt(
  ctx: RequestContext,
  target: CompiledTarget,
  upstreamRequest: UpstreamRequest,
  translation: TranslationContext,
  signal: AbortSignal,
  started: number,
  onFirstByte: (latencyMs: number) => void,
): Promise<AttemptOutcome> {
  const provider = target.provider;
  const exchange = openExchange(ctx, target, upstreamRequest, signal);
  let head: UpstreamHead;
  try {
    head = await exchange.head;
  } catch (error) {
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
  let firstByteMs = 0;
  // The cache keeps what this attempt sends (the usage chunk too), for the store once it is complete.
  const recorder = ctx.front === undefined ? ctx.cacheRecorder : undefined;
  recorder?.reset();
  const frontStream =
    ctx.front === undefined ? undefined : ctx.front.openStream(frontCall(ctx, target, translation), writer);
  const translator = frontStream?.translator ?? provider.adapter.createStreamTranslator(translation);
  // Output moderation holds text back until each sentence is judged (guard-out.ts); undefined when off.
  // A translated front gets the moderated OpenAI chunks; a passthrough front relays the upstream's own
  // bytes and is not moderated (docs/configuration.md, guardrails).
  const moderator =
    frontStream?.passthrough === true
      ? undefined
      : createStreamModerator(
          ctx,
          target,
          frontStream === undefined
            ? (json) => {
                if (ctx.captureBodies) captureChunk(ctx, json);
                writer.data(json);
              }
            : (json) => frontStream.chunk(json, 'chunk'),
          () => flushOut(),
        );
  const emit: EmitChunk =
    moderator !== undefined
      ? (json, kind) => {
          recorder?.chunk(json);
          if (kind === 'usage' && !includeUsage) return;
          if (kind === 'chunk') ctx.streamedChunks++;
          // The upstream has answered: the first-token deadline is met even while moderation holds the text.
          firstToken.clear();
          moderator.push(json, kind);
        }
      : frontStream === undefined
        ? (json, kind) => {
            recorder?.chunk(json);
            if (kind === 'usage' && !includeUsage) return;
            if (kind === 'chunk') ctx.streamedChunks++;
            if (ctx.captureBodies) captureChunk(ctx, json);
            writer.data(json);
          }
        : frontStream.passthrough
          ? (_json, kind) => {
              if (kind === 'chunk') ctx.streamedChunks++;
            }
          : (json, kind) => {
              if (kind === 'chunk') ctx.streamedChunks++;
              frontStream.chunk(json, kind);
            };
  // A passthrough relays the upstream's text as it came; a decoder keeps a UTF-8 character split
  // across two reads whole.
  const relay = frontStream?.passthrough === true ? new TextDecoder('utf-8') : undefined;
  const onEvent = (event: SseEvent) => translator.push(event, emit);
  // Providers flush a stream's headers at once and may then think for minutes: undici's headers timeout
  // has passed, and its body timeout is the (longer) idle deadline. So the time-to-first-token deadline
  // runs on until the first translated chunk, with one timer per attempt, cleared at commit.
  const firstToken = new FirstTokenDeadline(
    exchange,
    firstByteTimeoutMs(target, ctx) - (performance.now() - started),
  );
  const commit = () => {
    firstToken.clear();
    ctx.provider = provider.name;
    ctx.upstreamModel = translator.model ?? target.adapterTarget.model;
    firstByteMs = performance.now() - started;
    if (frontStream !== undefined) relayHeaders(ctx, target, head);
    startEventStream(ctx);
    onFirstByte(firstByteMs);
  };

  // A full client socket pauses the upstream read until it drains, so a slow client slows the
  // upstream instead of growing our memory.
  const resume = () => exchange.resume();
  const flushOut = (): boolean => {
    if (!writer.hasPending) return true;
    if (!ctx.committed) commit();
    return writer.flush(resume);
  };
  try {
    await exchange.consume((bytes) => {
      if (relay !== undefined) writer.raw(relay.decode(bytes, { stream: true }));
      parser.push(bytes, onEvent);
      if (moderator !== undefined) {
        if (moderator.stopped) throw new ModerationStop();
        // The first-byte boundary stays where it is without moderation: the upstream's first chunk. The
        // headers go out then; held text follows once judged, and a failure after this is an error event.
        if (!ctx.committed && moderator.received) commit();
        if (moderator.pending) {
          // A remote check is running: hold the upstream until it settles, then send what it released.
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
    parser.end(checkedFinalEvent(onEvent));
    translator.end(emit);
    if (relay !== undefined) writer.raw(relay.decode());
    const held = moderator?.finish();
    if (held !== undefined) await held;
    moderator?.close();
    frontStream?.end();
    if (!ctx.committed) commit();
    ctx.usage = translator.usage;
    ctx.finishReason = moderator?.stopped === true ? 'content_filter' : translator.finishReason;
    ctx.rawFinishReason = translator.rawFinishReason;
    await writer.finish(frontStream === undefined);
    return { kind: 'done', latencyMs: firstByteMs };
  } catch (error) {
    firstToken.clear();
    moderator?.close();
    ctx.usage = translator.usage;
    if (error instanceof ModerationStop) {
      // Moderation blocked a sentence: its content_filter chunk is queued; the answer ends here.
      if (!ctx.committed) commit();
      ctx.finishReason = 'content_filter';
      ctx.rawFinishReason = translator.rawFinishReason;
      await writer.finish();
      return { kind: 'done', latencyMs: firstByteMs };
    }
    let failure: UpstreamFailure;
    if (firstToken.fired) failure = firstTokenTimeout(provider.name);
    else if (error instanceof UpstreamStreamError) failure = error.failure;
    else if (error instanceof UpstreamProtocolError) failure = protocolFailure(error);
    else failure = transportFailure(ctx, error, provider.name);
    if (!ctx.committed) {
      exchange.abort(new Error('attempt abandoned'));
      return failed(ctx, failure);
    }
    // Past the first byte: no failover. The stream ends with an error event, never a normal finish.
    const relayed = relayableFailure(failure, scrubberFor(ctx.snapshot));
    throw new GatewayError({
      status: 502,
      type: 'server_error',
      code: 'upstream_stream_error',
      message: `The stream from ${provider.name} failed after it started: ${relayed.message}`,
      // An in-band error carries the upstream's unscrubbed text; the relayed message above has it all.
      cause: error instanceof UpstreamStreamError ? undefined : error,
    });
  }
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
  return new UpstreamExchange(target.provider.pool, upstreamRequest, {
    firstByteTimeoutMs: firstByteTimeoutMs(target, ctx),
    idleTimeoutMs: target.provider.timeouts.idleMs,
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
