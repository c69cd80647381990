/**
 * One upstream attempt: translate the request for the picked target and key, send it under the attempt's
 * deadline, and write its record (docs/design.md §2, the attempt loop's "adapter.toRequest → upstream
 * pool → adapter.fromResponse / fromStream"). Past the first byte, the client gone or the request's
 * deadline passed, the error is thrown on after the log and the breaker heard of it; every other
 * failure comes back classified, for the loop to decide what happens next.
 */
import type { CompiledTarget } from '../config/compile.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { requestMetricsFor } from '../observability/request-metrics.ts';
import type { AdapterCall, TranslationContext, UpstreamRequest } from '../providers/types.ts';
import type { RoutingRuntime } from '../routing/runtime.ts';
import type { AdaptiveConcurrency, ConcurrencySignal } from '../routing/adaptive-concurrency.ts';
import { attemptDeadlineFor } from './attempt-deadline.ts';
import type { AttemptPick, AttemptReason } from './attempt-plan.ts';
import type { AttemptRecord, RequestContext } from './context.ts';
import {
  type AttemptOutcome,
  ClientGoneError,
  jsonAttempt,
  type StreamRecovery,
  streamAttempt,
} from './exchange.ts';
import { markPrefix } from './continuation.ts';
import type { HedgeEntrant } from './hedge.ts';
import { injectChaos } from '../chaos/inject.ts';
import { newSpanId, requestTraceContext, withTraceHeaders } from '../observability/trace-context.ts';
import type { Services } from './services.ts';

/** The attempt record with the routing decision behind it (log.ts writes the base fields). */
export interface RoutedAttemptRecord extends AttemptRecord {
  reason: AttemptReason;
  /** Backoff or Retry-After wait before this attempt, ms. */
  waitMs: number;
}

/** The adapter could not express the request for this target (e.g. logprobs on Anthropic). */
export interface Untranslatable {
  kind: 'untranslatable';
  error: GatewayError;
}

/** What a streamed attempt may need besides the pick: recovery bookkeeping, and the prefix flag. */
export interface AttemptOptions {
  recovery?: StreamRecovery;
  /** Mark the final assistant message as a prefix on the wire (continuation.ts, `prefix` mode). */
  prefix?: boolean;
  /** This attempt's place in a hedged race (hedge.ts). */
  entrant?: HedgeEntrant;
}

export function runAttempt(
  ctx: RequestContext,
  services: Services,
  pick: AttemptPick,
  translation: TranslationContext,
  deadlineAt: number,
  options: AttemptOptions = {},
): Promise<AttemptOutcome | Untranslatable> {
  const limiter = pick.leased ? pick.target.runtime.provider.concurrency : undefined;
  if (limiter === undefined) return attempt(ctx, services, pick, translation, deadlineAt, options);
  return leasedAttempt(ctx, services, pick, translation, deadlineAt, options, limiter);
}

/** An attempt holding a slot of its key's adaptive concurrency limit (routing/adaptive-concurrency.ts). */
async function leasedAttempt(
  ctx: RequestContext,
  services: Services,
  pick: AttemptPick,
  translation: TranslationContext,
  deadlineAt: number,
  options: AttemptOptions,
  limiter: AdaptiveConcurrency,
): Promise<AttemptOutcome | Untranslatable> {
  const sentAt = performance.now();
  let signal: ConcurrencySignal = 'other';
  try {
    const outcome = await attempt(ctx, services, pick, translation, deadlineAt, options);
    signal = concurrencySignal(outcome);
    return outcome;
  } finally {
    limiter.release(pick.keyIndex, signal, sentAt);
  }
}

/** What an attempt tells its key's concurrency limit: a throttle (429, 529) halves it. */
function concurrencySignal(outcome: AttemptOutcome | Untranslatable): ConcurrencySignal {
  if (outcome.kind === 'done') return 'ok';
  if (outcome.kind !== 'failed') return 'other';
  const failure = outcome.failure;
  if (failure.errorClass === 'rate_limited') return 'throttled';
  return failure.errorClass === 'overloaded' && failure.status === 529 ? 'throttled' : 'other';
}

async function attempt(
  ctx: RequestContext,
  services: Services,
  pick: AttemptPick,
  translation: TranslationContext,
  deadlineAt: number,
  options: AttemptOptions,
): Promise<AttemptOutcome | Untranslatable> {
  const target = pick.target;
  const provider = target.provider;
  const runtime = ctx.snapshot.routing.runtime;
  const state = target.runtime;
  const call: AdapterCall = {
    target: target.adapterTarget,
    headers: provider.keyHeaders[pick.keyIndex] ?? {},
  };
  let upstreamRequest: UpstreamRequest;
  try {
    upstreamRequest =
      ctx.front === undefined
        ? provider.adapter.toRequest(translation.request, call, ctx.stream)
        : ctx.front.toUpstream(
            { target, translation, native: ctx.frontNative ?? {} },
            call,
            ctx.stream,
            ctx.req.headers,
          );
    if (options.prefix === true) upstreamRequest = markPrefix(upstreamRequest, provider.type);
  } catch (error) {
    // This provider cannot express the request; another target may.
    if (error instanceof GatewayError && error.status < 500) return { kind: 'untranslatable', error };
    throw error;
  }
  countReason(services, pick, provider.name, ctx);
  // Tracing on: the upstream joins the trace under this attempt's span (observability/trace-context.ts).
  let spanId: string | undefined;
  if (services.observability?.tracing !== undefined) {
    ctx.trace ??= requestTraceContext(ctx.req.headers);
    spanId = newSpanId();
    upstreamRequest = withTraceHeaders(upstreamRequest, ctx.trace, spanId);
  }
  const record: RoutedAttemptRecord = {
    target: target.id,
    keyId: provider.keyIds[pick.keyIndex] ?? 'none',
    outcome: 'pending',
    status: 0,
    durationMs: 0,
    reason: pick.reason,
    waitMs: pick.waitMs,
    spanId,
  };

  const started = performance.now();
  ctx.upstreamHeadAt = 0;
  const attemptDeadline = attemptDeadlineFor(ctx, target, deadlineAt);
  const entrant = options.entrant;
  const own = attemptDeadline?.signal ?? ctx.abort.signal;
  // Only hedged attempts pay for a combined signal: the race aborts the loser by its own.
  const signal = entrant === undefined ? own : AbortSignal.any([own, entrant.signal]);
  ctx.attemptCount++;
  // Fault injection (src/chaos), when configured for this provider: one map lookup otherwise.
  const draw = services.chaos?.draw(provider.name, ctx.stream);
  const streamChaos = draw?.fault === 'cut' || draw?.fault === 'malformed' ? draw : undefined;
  // A stream's verdict for breaker and health is its first byte: the provider is up and answering,
  // and a half-open trial should not hold its slot for the minutes a long stream may run.
  const onFirstByte = (latencyMs: number) => {
    const at = runtime.now();
    runtime.recordOutcome(state, 'success', at);
    runtime.recordHealth(state, true, latencyMs, true, at);
    state.firstToken.add(latencyMs);
  };
  let outcome: AttemptOutcome;
  try {
    const injected = draw === undefined ? undefined : await injectChaos(ctx, target, draw, signal, entrant);
    outcome =
      injected !== undefined
        ? injected
        : ctx.stream
          ? await streamAttempt(ctx, target, upstreamRequest, translation, signal, started, onFirstByte, {
              recovery: options.recovery,
              entrant,
              chaos: streamChaos,
            })
          : await jsonAttempt(ctx, target, upstreamRequest, translation, signal, started, entrant);
  } catch (error) {
    if (error instanceof ClientGoneError) finishRecord(ctx, record, started, 'client_gone', 499);
    else if (error instanceof GatewayError)
      finishRecord(
        ctx,
        record,
        started,
        error.code === 'upstream_timeout' ? 'timeout' : 'stream_error',
        error.status,
      );
    else finishRecord(ctx, record, started, 'error', 500);
    if (!(error instanceof ClientGoneError)) recordFailure(runtime, target, ctx.stream, runtime.now());
    throw error;
  } finally {
    attemptDeadline?.release();
  }

  if (outcome.kind === 'done') {
    finishRecord(ctx, record, started, 'ok', 200);
    requestMetricsFor(services.metrics, provider.name).attemptOk();
    if (!ctx.stream) {
      const afterMs = runtime.now();
      runtime.recordOutcome(state, 'success', afterMs);
      runtime.recordHealth(state, true, outcome.latencyMs, false, afterMs);
      state.answerLatency.add(outcome.latencyMs);
    }
    return outcome;
  }
  if (outcome.kind === 'lost') {
    // Cut by us, not failed by the upstream: neither breaker nor health hears of it.
    finishRecord(ctx, record, started, 'hedge_lost', 0);
    return outcome;
  }
  const failure = outcome.failure;
  finishRecord(ctx, record, started, failure.errorClass, failure.status);
  services.metrics.upstreamAttempts.inc({ provider: provider.name, outcome: failure.errorClass });
  // A stream that broke after its first byte: the provider answered, then failed; the breaker hears it.
  if (outcome.kind === 'broken') recordFailure(runtime, target, true, runtime.now());
  return outcome;
}

function countReason(services: Services, pick: AttemptPick, provider: string, ctx: RequestContext): void {
  if (pick.reason === 'retry' || pick.reason === 'next_key') services.metrics.retries.inc({ provider });
  else if (pick.reason === 'fallback') {
    const previous = ctx.attempts.at(-1);
    if (previous !== undefined)
      services.metrics.fallbacks.inc({ provider: previous.target.slice(0, previous.target.indexOf('/')) });
  }
}

/** A failure the breaker and health hear of. */
export function recordFailure(
  runtime: RoutingRuntime,
  target: CompiledTarget,
  stream: boolean,
  nowMs: number,
): void {
  runtime.recordOutcome(target.runtime, 'failure', nowMs);
  runtime.recordHealth(target.runtime, false, undefined, stream, nowMs);
}

function finishRecord(
  ctx: RequestContext,
  record: RoutedAttemptRecord,
  started: number,
  outcome: string,
  status: number,
): void {
  const durationMs = performance.now() - started;
  ctx.upstreamMs += durationMs;
  record.durationMs = durationMs;
  record.startedAt = started;
  // The head time is the request's: in a hedge the winner's may be later than the loser's start, so a
  // loser's would be the winner's.
  if (ctx.upstreamHeadAt >= started && outcome !== 'hedge_lost')
    record.firstByteMs = ctx.upstreamHeadAt - started;
  record.outcome = outcome;
  record.status = status;
  ctx.attempts.push(record);
}
