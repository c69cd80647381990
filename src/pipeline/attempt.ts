/**
 * The attempt loop (docs/design.md §2): walk the route's targets, send, translate, and decide from the error
 * class alone what happens next. Before the first byte reaches the client every failure is invisible;
 * after it, a stream can only end with an error event (docs/design.md §2, last paragraph).
 *
 * The walk goes in rounds. A round tries each target of the route at most once, in the route's order:
 *
 * - 429 (rate_limited): that key cools down for the provider's retry-after (or reset header, else
 *   `routing.rate_limit_cooldown_ms`) and the same target is tried at once with its next key, so a
 *   throttled key costs the client nothing while another key has room.
 * - 401, billing (auth): the refusal is counted against the key (out of service after a few, key-pool.ts)
 *   and the request moves on to the next key, never the refused one again.
 * - 403 about a resource is the request's own (bad_request below): the key is not touched.
 * - 5xx, overload, refused or reset connection, malformed answer: the next target (fallback).
 * - timeout (connect, first byte, idle, `timeout_ms`): the next target, and this target is not tried
 *   again within the request: a target that stayed silent until its deadline costs one deadline.
 * - context_length: the next target with a larger known context window, else the client's 400.
 * - 400/422 and content filters: the client's own error, at once, never retried.
 *
 * When a round ends without an answer, the next round starts after a jittered exponential backoff
 * (routing/backoff.ts), or later if every target's keys are cooling down (Retry-After is honoured:
 * never sooner). A wait is taken only if it fits `retry.max_wait_ms` and the request's deadline
 * (`server.request_timeout_ms`); otherwise the last failure is answered at once. `provider/model` names
 * get `retry.retry_direct_models` rounds after the first (key rotation still applies). `retry.max_attempts`
 * bounds the attempts of a request. Breakers (routing/breaker.ts) hear every outcome (a 429 with a
 * retry-after shorter than `breaker.open_ms` as the provider answering: the key's cooldown covers it),
 * and a target whose breaker is open is not tried at all; a half-open one only with a trial slot.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledTarget } from '../config/compile.ts';
import {
  upstreamAuthFailed,
  upstreamRateLimited,
  upstreamTimeout,
  upstreamUnavailable,
} from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type {
  AdapterCall,
  TranslationContext,
  UpstreamFailure,
  UpstreamRequest,
} from '../providers/types.ts';
import { requestMetricsFor } from '../observability/request-metrics.ts';
import { backoffDelayMs } from '../routing/backoff.ts';
import { throttleOutcome } from '../routing/breaker.ts';
import type { ProviderRuntime, RoutingRuntime } from '../routing/runtime.ts';
import { completionIdFor } from '../server/request-id.ts';
import type { AttemptRecord, RequestContext } from './context.ts';
import { attemptDeadlineFor } from './attempt-deadline.ts';
import { planRoute } from './route.ts';
import { type AttemptOutcome, ClientGoneError, jsonAttempt, streamAttempt } from './exchange.ts';
import { clientFacingError, exhaustedError } from './failure-errors.ts';
import type { Services } from './services.ts';

/** Why an attempt was made: the route's first choice, another target, the same target again. */
export type AttemptReason = 'first' | 'fallback' | 'retry' | 'next_key';

/** The attempt record with the routing decision behind it (log.ts writes the base fields). */
export interface RoutedAttemptRecord extends AttemptRecord {
  reason: AttemptReason;
  /** Backoff or Retry-After wait before this attempt, ms. */
  waitMs: number;
}

/** Per target within one request: not yet tried this round, tried this round, never again. */
const UNTRIED = 0;
const TRIED = 1;
const EXCLUDED = 2;

export async function runAttempts(ctx: RequestContext, services: Services): Promise<void> {
  const request = ctx.request;
  const model = ctx.model;
  if (request === undefined || model === undefined) throw new Error('runAttempts before validation');
  const routing = ctx.snapshot.routing;
  const runtime = routing.runtime;
  const retry = routing.retry;
  const policies = routing.policies;
  const deadlineAt = ctx.startedAt + ctx.snapshot.config.server.request_timeout_ms;
  const plan = planRoute(ctx, model, runtime, services.random, runtime.now());
  ctx.routeStrategy = plan.strategy;
  ctx.routeRule = plan.rule;
  const targets = plan.targets;
  const count = targets.length;
  // Plain arrays: a typed array costs more to create than these few entries ever cost to use.
  const slots: number[] = new Array<number>(count).fill(UNTRIED);
  const everTried: boolean[] = new Array<boolean>(count).fill(false);
  const lastRound = model.virtual ? Number.POSITIVE_INFINITY : retry.directModelRetries;
  const translation: TranslationContext = {
    completionId: completionIdFor(ctx.requestId, ctx.req.headers['x-request-id']),
    created: Math.floor(Date.now() / 1000),
    request,
  };
  let lastFailure: { failure: UpstreamFailure; target: CompiledTarget } | undefined;
  let untranslatable: GatewayError | undefined;
  let previous = -1;
  let previousRound = 0;
  let round = 0;
  /** A target failed this round in a way a plain backoff may cure (not one held by keys or a breaker). */
  let failedThisRound = false;
  let waitMs = 0;
  /** When the first target held back by cooling keys or a full half-open breaker can be tried. */
  let heldUntil = Number.POSITIVE_INFINITY;
  let heldByKeys = false;
  /** A provider all of whose keys it refused (401/403): an operator's problem, not a rate limit. */
  let refusedProvider: string | undefined;
  /** Keys a provider refused for this request, by provider: not tried again by it. Rare: made on demand. */
  let refusedKeys: Map<ProviderRuntime, Set<number>> | undefined;

  while (!ctx.abort.signal.aborted && ctx.attemptCount < retry.maxAttempts) {
    const nowMs = runtime.now();
    let chosen = -1;
    let keyIndex = -1;
    for (let i = 0; i < count; i++) {
      if (slots[i] !== UNTRIED) continue;
      const target = targets[i] as CompiledTarget;
      const state = target.runtime;
      const gate = runtime.gate(state, nowMs);
      if (gate === 'blocked') {
        // Opened while this request ran: skip it this round; it may allow a trial by the next one.
        slots[i] = TRIED;
        if (state.breaker.state === 'open') heldUntil = Math.min(heldUntil, state.breaker.until);
        continue;
      }
      const skip = refusedKeys?.get(state.provider);
      const key = state.provider.keys.pick(nowMs, skip);
      if (key === -1 && skip !== undefined && state.provider.keys.availableAt(nowMs) <= nowMs) {
        // Every key still in service refused this request: no other round will change that.
        slots[i] = EXCLUDED;
        refusedProvider = state.provider.name;
        continue;
      }
      if (key === -1) {
        slots[i] = TRIED;
        heldUntil = Math.min(heldUntil, state.provider.keys.availableAt(nowMs));
        if (state.provider.keys.allRefused(nowMs)) refusedProvider = state.provider.name;
        else heldByKeys = true;
        continue;
      }
      if (gate === 'trial') {
        let granted = runtime.acquireTrial(state, nowMs);
        if (granted instanceof Promise) granted = await granted;
        if (!granted) {
          slots[i] = TRIED;
          continue;
        }
      }
      chosen = i;
      keyIndex = key;
      break;
    }

    if (chosen === -1) {
      // The round is over. Another one only if something is left to try and the wait fits.
      if (round >= lastRound || !slots.includes(TRIED)) break;
      const backoffMs = backoffDelayMs(round + 1, retry.backoff, services.random);
      const delay =
        failedThisRound || heldUntil === Number.POSITIVE_INFINITY
          ? backoffMs
          : Math.max(backoffMs, heldUntil - runtime.now());
      if (delay > retry.maxWaitMs || performance.now() + delay >= deadlineAt) break;
      try {
        await sleep(delay, undefined, { signal: ctx.abort.signal });
      } catch {
        break; // the client left or the deadline passed: handled below
      }
      round++;
      waitMs += delay;
      heldUntil = Number.POSITIVE_INFINITY;
      heldByKeys = false;
      failedThisRound = false;
      for (let i = 0; i < count; i++) if (slots[i] === TRIED) slots[i] = UNTRIED;
      continue;
    }

    const target = targets[chosen] as CompiledTarget;
    const provider = target.provider;
    const state = target.runtime;
    const call: AdapterCall = { target: target.adapterTarget, headers: provider.keyHeaders[keyIndex] ?? {} };
    let upstreamRequest: UpstreamRequest;
    try {
      upstreamRequest =
        ctx.front === undefined
          ? provider.adapter.toRequest(request, call, ctx.stream)
          : ctx.front.toUpstream(
              { target, translation, native: ctx.frontNative ?? {} },
              call,
              ctx.stream,
              ctx.req.headers,
            );
    } catch (error) {
      // This provider cannot express the request (e.g. logprobs on Anthropic); another target may.
      if (error instanceof GatewayError && error.status < 500) {
        untranslatable ??= error;
        slots[chosen] = EXCLUDED;
        continue;
      }
      throw error;
    }

    const reason: AttemptReason =
      previous === -1
        ? 'first'
        : previous === chosen && previousRound === round
          ? 'next_key'
          : everTried[chosen]
            ? 'retry'
            : 'fallback';
    if (reason === 'retry' || reason === 'next_key')
      services.metrics.retries.inc({ provider: provider.name });
    else if (reason === 'fallback' && lastFailure !== undefined)
      services.metrics.fallbacks.inc({ provider: lastFailure.target.provider.name });
    everTried[chosen] = true;
    previous = chosen;
    previousRound = round;
    const record: RoutedAttemptRecord = {
      target: target.id,
      keyId: provider.keyIds[keyIndex] ?? 'none',
      outcome: 'pending',
      status: 0,
      durationMs: 0,
      reason,
      waitMs,
    };
    waitMs = 0;

    const started = performance.now();
    ctx.upstreamHeadAt = 0;
    const attemptDeadline = attemptDeadlineFor(ctx, target, deadlineAt);
    const signal = attemptDeadline?.signal ?? ctx.abort.signal;
    ctx.attemptCount++;
    // A stream's verdict for breaker and health is its first byte: the provider is up and answering,
    // and a half-open trial should not hold its slot for the minutes a long stream may run.
    const onFirstByte = (latencyMs: number) => {
      const at = runtime.now();
      runtime.recordOutcome(state, 'success', at);
      runtime.recordHealth(state, true, latencyMs, true, at);
    };
    let outcome: AttemptOutcome;
    try {
      outcome = ctx.stream
        ? await streamAttempt(ctx, target, upstreamRequest, translation, signal, started, onFirstByte)
        : await jsonAttempt(ctx, target, upstreamRequest, translation, signal, started);
    } catch (error) {
      // Past the first byte, the client gone, the request's deadline passed: no failover, but the log
      // and (unless the client left) the breaker hear of it.
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
      if (!(error instanceof ClientGoneError)) {
        runtime.recordOutcome(state, 'failure', runtime.now());
        runtime.recordHealth(state, false, undefined, ctx.stream, runtime.now());
      }
      throw error;
    } finally {
      attemptDeadline?.release();
    }

    const afterMs = runtime.now();
    if (outcome.kind === 'done') {
      finishRecord(ctx, record, started, 'ok', 200);
      requestMetricsFor(services.metrics, provider.name).attemptOk();
      if (!ctx.stream) {
        runtime.recordOutcome(state, 'success', afterMs);
        runtime.recordHealth(state, true, outcome.latencyMs, false, afterMs);
      }
      return;
    }

    const failure = outcome.failure;
    finishRecord(ctx, record, started, failure.errorClass, failure.status);
    services.metrics.upstreamAttempts.inc({ provider: provider.name, outcome: failure.errorClass });
    lastFailure = { failure, target };
    switch (failure.errorClass) {
      case 'rate_limited': {
        const waitForMs = failure.retryAfterMs ?? policies.rateLimitCooldownMs;
        runtime.coolKey(
          state.provider,
          keyIndex,
          afterMs + Math.min(waitForMs, MAX_COOLDOWN_MS),
          'rate_limited',
        );
        // Health hears a failure (a throttled target sheds traffic in proportion). The breaker hears one
        // only when the throttle is long or unhinted: a key at its rate limit for a few milliseconds must
        // not exile the target for the breaker's open period (routing/breaker.ts, throttleOutcome).
        runtime.recordOutcome(state, throttleOutcome(failure.retryAfterMs, policies.breaker), afterMs);
        runtime.recordHealth(state, false, undefined, ctx.stream, afterMs);
        // The slot stays untried: the same target goes next, with its next key if one has room.
        break;
      }
      case 'auth': {
        // The key, not the target, may be broken: no breaker failure; the next key gets the request.
        runtime.keyRefused(state.provider, keyIndex, afterMs);
        refusedKeys ??= new Map();
        const refused = refusedKeys.get(state.provider);
        if (refused === undefined) refusedKeys.set(state.provider, new Set([keyIndex]));
        else refused.add(keyIndex);
        break;
      }
      case 'timeout':
        recordFailure(runtime, state, ctx.stream, afterMs);
        slots[chosen] = EXCLUDED;
        break;
      case 'server':
      case 'overloaded':
      case 'network':
        recordFailure(runtime, state, ctx.stream, afterMs);
        slots[chosen] = TRIED;
        failedThisRound = true;
        break;
      case 'context_length': {
        // The upstream answered correctly; the request is too long for this model. Only a target with
        // a larger known window can do better.
        runtime.recordOutcome(state, 'success', afterMs);
        const window = target.info?.contextWindow ?? 0;
        let larger = false;
        for (let i = 0; i < count; i++) {
          const other = (targets[i] as CompiledTarget).info?.contextWindow ?? 0;
          if (other <= window) slots[i] = EXCLUDED;
          else if (slots[i] !== EXCLUDED) larger = true;
        }
        if (!larger) throw clientFacingError(failure);
        break;
      }
      default:
        // bad_request, content_filter: the client's own mistake, answered at once, never retried.
        runtime.recordOutcome(state, 'success', afterMs);
        throw clientFacingError(failure);
    }
  }

  if (ctx.clientAborted) throw new ClientGoneError();
  if (ctx.deadlineExceeded) throw upstreamTimeout('The request did not complete within its deadline.');
  const retryAfterMs =
    heldUntil === Number.POSITIVE_INFINITY ? undefined : Math.max(0, heldUntil - runtime.now());
  if (lastFailure === undefined) {
    if (untranslatable !== undefined) throw untranslatable;
    if (refusedProvider !== undefined && !heldByKeys) throw upstreamAuthFailed(refusedProvider);
    if (heldByKeys)
      throw upstreamRateLimited(
        `Every key of the providers serving '${model.name}' is cooling down after rate limits.`,
        retryAfterMs,
      );
    if (plan.blocked > 0 || count === 0)
      throw upstreamUnavailable(
        `Every provider serving '${model.name}' is failing right now (circuit breakers open).`,
        plan.blockedUntil === Number.POSITIVE_INFINITY
          ? retryAfterMs
          : Math.max(0, plan.blockedUntil - runtime.now()),
      );
    throw upstreamUnavailable('No upstream target is available for this model.');
  }
  throw exhaustedError(lastFailure.failure, lastFailure.target, ctx.attempts.length, retryAfterMs);
}

/** A cooldown longer than a day is a provider's mistake or a quota reset; a day is enough either way. */
const MAX_COOLDOWN_MS = 86_400_000;

function recordFailure(
  runtime: RoutingRuntime,
  state: CompiledTarget['runtime'],
  stream: boolean,
  nowMs: number,
): void {
  runtime.recordOutcome(state, 'failure', nowMs);
  runtime.recordHealth(state, false, undefined, stream, nowMs);
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
  if (ctx.upstreamHeadAt >= started) record.firstByteMs = ctx.upstreamHeadAt - started;
  record.outcome = outcome;
  record.status = status;
  ctx.attempts.push(record);
}
