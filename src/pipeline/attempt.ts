/**
 * The attempt loop (design.md §2): walk the planned targets, send, translate, and decide from the error
 * class alone whether to fail over, answer the client's mistake at once, or give up. Before the first
 * byte reaches the client every failure is invisible; after it, a stream can only end with an error
 * event (design.md §2, last paragraph).
 */
import type { CompiledTarget } from '../config/compile.ts';
import {
  contentFiltered,
  contextLengthExceeded,
  upstreamAuthFailed,
  upstreamClientError,
  upstreamRateLimited,
  upstreamTimeout,
  upstreamUnavailable,
} from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { SseParser, type SseEvent } from '../providers/shared/sse.ts';
import {
  type AdapterCall,
  type EmitChunk,
  type ErrorClass,
  type TranslationContext,
  type UpstreamFailure,
  UpstreamProtocolError,
  type UpstreamRequest,
  UpstreamStreamError,
} from '../providers/types.ts';
import { SseWriter } from '../server/sse-writer.ts';
import {
  classifyTransportError,
  isAbort,
  sendUpstream,
  type UpstreamResponse,
} from '../transport/upstream-call.ts';
import type { RequestContext } from './context.ts';
import { sendCompletion, startEventStream } from './respond.ts';
import type { Services } from './services.ts';

/** Thrown when the client left: nothing is written, only logged. */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/** Classes another target may well succeed on (design.md §2; issue 5 adds retries with backoff). */
const failoverClasses: ReadonlySet<ErrorClass> = new Set([
  'rate_limited',
  'overloaded',
  'server',
  'timeout',
  'network',
  'auth',
]);

type AttemptOutcome = 'done' | UpstreamFailure;

export async function runAttempts(
  ctx: RequestContext,
  targets: readonly CompiledTarget[],
  services: Services,
): Promise<void> {
  const request = ctx.request;
  if (request === undefined) throw new Error('runAttempts before validation');
  const translation: TranslationContext = {
    completionId: `chatcmpl-${ctx.requestId.replace(/^req_/, '')}`,
    created: Math.floor(Date.now() / 1000),
    request,
  };
  let lastFailure: { failure: UpstreamFailure; target: CompiledTarget } | undefined;
  let untranslatable: GatewayError | undefined;

  for (const target of targets) {
    if (ctx.abort.signal.aborted) break;
    const provider = target.provider;
    const keyIndex = provider.keyCursor++ % provider.keyHeaders.length;
    const call: AdapterCall = { target: target.adapterTarget, headers: provider.keyHeaders[keyIndex] ?? {} };
    let upstreamRequest: UpstreamRequest;
    try {
      upstreamRequest = provider.adapter.toRequest(request, call, ctx.stream);
    } catch (error) {
      // This provider cannot express the request (e.g. logprobs on Anthropic); another target may.
      if (error instanceof GatewayError && error.status < 500) {
        untranslatable ??= error;
        continue;
      }
      throw error;
    }

    const started = performance.now();
    ctx.attemptCount++;
    const outcome = ctx.stream
      ? await streamAttempt(ctx, target, upstreamRequest, translation)
      : await jsonAttempt(ctx, target, upstreamRequest, translation);
    const durationMs = performance.now() - started;
    ctx.upstreamMs += durationMs;
    const outcomeLabel = outcome === 'done' ? 'ok' : outcome.errorClass;
    ctx.attempts.push({
      target: target.id,
      keyId: provider.keyIds[keyIndex] ?? 'none',
      outcome: outcomeLabel,
      status: outcome === 'done' ? 200 : outcome.status,
      durationMs,
    });
    services.metrics.upstreamAttempts.inc({ provider: provider.name, outcome: outcomeLabel });
    if (outcome === 'done') return;
    if (!failoverClasses.has(outcome.errorClass)) throw clientFacingError(outcome);
    lastFailure = { failure: outcome, target };
  }

  if (ctx.clientAborted) throw new ClientGoneError();
  if (ctx.deadlineExceeded) throw upstreamTimeout('The request did not complete within its deadline.');
  if (lastFailure === undefined) {
    // No target could even take the request: the client asked for something none of them supports.
    throw untranslatable ?? upstreamUnavailable('No upstream target is available for this model.');
  }
  throw exhaustedError(lastFailure.failure, lastFailure.target, ctx.attempts.length);
}

async function jsonAttempt(
  ctx: RequestContext,
  target: CompiledTarget,
  upstreamRequest: UpstreamRequest,
  translation: TranslationContext,
): Promise<AttemptOutcome> {
  const provider = target.provider;
  let response: UpstreamResponse;
  try {
    response = await sendUpstream(provider.pool, upstreamRequest, {
      firstByteTimeoutMs: provider.timeouts.totalMs,
      idleTimeoutMs: provider.timeouts.idleMs,
      signal: ctx.abort.signal,
    });
  } catch (error) {
    return transportFailure(ctx, error, provider.name);
  }
  try {
    const bodyText = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      return provider.adapter.classifyError(response.statusCode, response.headers, bodyText);
    }
    const translated = provider.adapter.fromResponse(bodyText, translation);
    ctx.provider = provider.name;
    ctx.upstreamModel = translated.completion.model || target.adapterTarget.model;
    ctx.usage = translated.usage;
    ctx.finishReason = translated.finishReason;
    ctx.rawFinishReason = translated.rawFinishReason;
    sendCompletion(ctx, translated.body);
    return 'done';
  } catch (error) {
    if (error instanceof UpstreamProtocolError) return protocolFailure(error);
    return transportFailure(ctx, error, provider.name);
  }
}

async function streamAttempt(
  ctx: RequestContext,
  target: CompiledTarget,
  upstreamRequest: UpstreamRequest,
  translation: TranslationContext,
): Promise<AttemptOutcome> {
  const provider = target.provider;
  let response: UpstreamResponse;
  try {
    response = await sendUpstream(provider.pool, upstreamRequest, {
      firstByteTimeoutMs: provider.timeouts.firstByteMs,
      idleTimeoutMs: provider.timeouts.idleMs,
      signal: ctx.abort.signal,
    });
  } catch (error) {
    return transportFailure(ctx, error, provider.name);
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    try {
      const bodyText = await response.body.text();
      return provider.adapter.classifyError(response.statusCode, response.headers, bodyText);
    } catch (error) {
      return transportFailure(ctx, error, provider.name);
    }
  }

  const translator = provider.adapter.createStreamTranslator(translation);
  const parser = new SseParser();
  const writer = new SseWriter(ctx.res);
  const includeUsage = ctx.includeUsage;
  const emit: EmitChunk = (json, kind) => {
    if (kind === 'usage' && !includeUsage) return;
    writer.data(json);
  };
  const onEvent = (event: SseEvent) => translator.push(event, emit);
  const commit = () => {
    ctx.provider = provider.name;
    ctx.upstreamModel = translator.model ?? target.adapterTarget.model;
    startEventStream(ctx);
  };

  try {
    for await (const bytes of response.body) {
      parser.push(bytes as Buffer, onEvent);
      if (!writer.hasPending) continue;
      if (!ctx.committed) commit();
      await writer.flush();
    }
    parser.end(onEvent);
    translator.end(emit);
    if (!ctx.committed) commit();
    ctx.usage = translator.usage;
    ctx.finishReason = translator.finishReason;
    ctx.rawFinishReason = translator.rawFinishReason;
    await writer.finish();
    return 'done';
  } catch (error) {
    ctx.usage = translator.usage;
    let failure: UpstreamFailure;
    if (error instanceof UpstreamStreamError) failure = error.failure;
    else if (error instanceof UpstreamProtocolError) failure = protocolFailure(error);
    else failure = transportFailure(ctx, error, provider.name);
    if (!ctx.committed) {
      response.body.destroy();
      return failure;
    }
    // Past the first byte: no failover. The stream ends with an error event, never a normal finish.
    throw new GatewayError({
      status: 502,
      type: 'server_error',
      code: 'upstream_stream_error',
      message: `The stream from ${provider.name} failed after it started: ${failure.message}`,
      cause: error,
    });
  }
}

/** A transport error, unless it was our own abort: then the client left or the deadline passed. */
function transportFailure(ctx: RequestContext, error: unknown, provider: string): UpstreamFailure {
  if (isAbort(error) || ctx.abort.signal.aborted) {
    if (ctx.clientAborted) throw new ClientGoneError();
    if (ctx.deadlineExceeded) throw upstreamTimeout('The request did not complete within its deadline.');
  }
  return classifyTransportError(error, provider);
}

function protocolFailure(error: UpstreamProtocolError): UpstreamFailure {
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

/** A failure the client caused: answered at once, never retried elsewhere. */
function clientFacingError(failure: UpstreamFailure): GatewayError {
  if (failure.errorClass === 'context_length') return contextLengthExceeded(failure.message);
  if (failure.errorClass === 'content_filter') return contentFiltered(failure.message);
  const status = failure.status >= 400 && failure.status < 500 ? failure.status : 400;
  return upstreamClientError(status, failure.message, failure.code, failure.param);
}

function exhaustedError(failure: UpstreamFailure, target: CompiledTarget, attempts: number): GatewayError {
  const tried = attempts === 1 ? `${target.id}` : `${attempts} attempts; last ${target.id}`;
  switch (failure.errorClass) {
    case 'rate_limited':
      return upstreamRateLimited(
        `Rate limited upstream (${tried}): ${failure.message}`,
        failure.retryAfterMs,
      );
    case 'timeout':
      return upstreamTimeout(`Upstream timed out (${tried}): ${failure.message}`);
    case 'auth':
      return upstreamAuthFailed(target.provider.name);
    default:
      return upstreamUnavailable(`Upstream failed (${tried}): ${failure.message}`, failure.retryAfterMs);
  }
}
