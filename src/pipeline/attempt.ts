/**
 * The attempt loop (docs/design.md §2): ask the plan (attempt-plan.ts) for the next target and key, run
 * one attempt (attempt-run.ts), and decide from the error class alone what happens next. Before the first
 * byte reaches the client every failure is invisible; after it, a stream can only end with an error
 * event (docs/design.md §2, last paragraph).
 *
 * - 429 (rate_limited): that key cools down for this target's model (providers limit per model) for the
 *   provider's retry-after (or reset header, else `routing.rate_limit_cooldown_ms`), and the same target
 *   is tried at once with its next key, so a throttled key costs the client nothing while another key
 *   has room; a fallback on the same provider with another model is not held by it.
 * - 401, billing (auth): the refusal is counted against the key (out of service after a few, key-pool.ts)
 *   and the request moves on to the next key, never the refused one again.
 * - 5xx and resets (server, network): one quick jittered retry of the same target
 *   (`retry.same_target_retries`, virtual models; direct names have `retry_direct_models`), then the next
 *   target (fallback): a lone blip costs ~100 ms, not a fallback to a model the client did not pick first.
 * - overload (503, 529), malformed answer after the quick retry: the next target.
 * - timeout (connect, first byte, idle, `timeout_ms`): the next target, and this target is not tried
 *   again within the request: a target that stayed silent until its deadline costs one deadline.
 * - context_length: never this target again; the next target whose context window is larger or unknown,
 *   else the client's 400.
 * - 400/422 and content filters: the client's own error, at once, never retried.
 *
 * When a round ends without an answer, the next round starts after a jittered exponential backoff, or
 * later if every target's keys are cooling down (Retry-After is honoured: never sooner); see
 * AttemptPlan.nextRoundDelay. `retry.max_attempts` bounds the attempts of a request. Breakers hear every
 * outcome (a 429 with a retry-after shorter than `breaker.open_ms` as the provider answering: the key's
 * cooldown covers it), and a target whose breaker is open is not tried at all.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledTarget } from '../config/compile.ts';
import { upstreamTimeout } from '../errors/codes.ts';
import type { TranslationContext, UpstreamFailure } from '../providers/types.ts';
import { throttleOutcome } from '../routing/breaker.ts';
import { AttemptPlan } from './attempt-plan.ts';
import { recordFailure, runAttempt } from './attempt-run.ts';
import type { RequestContext } from './context.ts';
import { ClientGoneError } from './exchange.ts';
import { clientFacingError } from './failure-errors.ts';
import { completionIdFor } from '../server/request-id.ts';
import { timeForAnotherAttempt } from './attempt-deadline.ts';
import { planRoute } from './route.ts';
import { continueStream, streamRecoveryFor } from './stream-continue.ts';
import { type RanAttempt, runHedged } from './attempt-hedged.ts';
import { hedgeDelayMs } from './hedge.ts';
import { addUsage } from './stream-delivery.ts';
import { noteOtherAttempt, priceAnswer } from './account.ts';
import type { Services } from './services.ts';

export type { AttemptReason } from './attempt-plan.ts';
export type { RoutedAttemptRecord } from './attempt-run.ts';

export async function runAttempts(ctx: RequestContext, services: Services): Promise<void> {
  const request = ctx.request;
  const model = ctx.model;
  if (request === undefined || model === undefined) throw new Error('runAttempts before validation');
  const routing = ctx.snapshot.routing;
  const runtime = routing.runtime;
  const retry = routing.retry;
  const deadlineAt = ctx.startedAt + ctx.snapshot.config.server.request_timeout_ms;
  const route = planRoute(ctx, model, runtime, services.random, runtime.now());
  ctx.routeStrategy = route.strategy;
  ctx.routeRule = route.rule;
  const plan = new AttemptPlan(route, model, runtime, retry);
  const recovery = streamRecoveryFor(ctx, plan);
  const translation: TranslationContext = {
    completionId: completionIdFor(ctx.requestId, ctx.req.headers['x-request-id']),
    created: Math.floor(Date.now() / 1000),
    request,
  };

  /** Time spent queued for adaptive concurrency slots, bounded by the limiter's `max_queue_ms`. */
  let queuedMs = 0;
  while (
    !ctx.abort.signal.aborted &&
    ctx.attemptCount < retry.maxAttempts &&
    timeForAnotherAttempt(ctx, deadlineAt)
  ) {
    let pick = plan.pick(runtime.now());
    if (pick instanceof Promise) pick = await pick;
    if (pick === undefined) {
      // Every target left was at its adaptive concurrency limit: wait briefly for a slot, then the same
      // round again (a queue in the gateway instead of a 429 from the provider).
      const limiter = plan.concurrencyHeld;
      if (limiter !== undefined) {
        const started = performance.now();
        const waitMs = Math.min(limiter.policy.maxQueueMs - queuedMs, deadlineAt - started);
        const released = await limiter.waitForRelease(waitMs, ctx.abort.signal);
        queuedMs += performance.now() - started;
        if (released) {
          plan.retryRound(performance.now() - started);
          continue;
        }
      }
      // The round is over. Another one only if something is left to try and the wait fits.
      const delay = plan.nextRoundDelay(services.random, deadlineAt);
      if (delay === undefined || !(await pause(ctx, delay))) break;
      plan.startRound(delay);
      continue;
    }
    const hedgeMs = ctx.attemptCount === 0 ? hedgeDelayMs(model, pick.target, ctx.stream) : undefined;
    const ran: RanAttempt[] =
      hedgeMs === undefined
        ? [
            {
              pick,
              outcome: await runAttempt(ctx, services, pick, translation, deadlineAt, { recovery }),
              recovery,
            },
          ]
        : await runHedged(ctx, services, plan, pick, translation, deadlineAt, hedgeMs, recovery);
    // A hedge loser's tokens, when its provider reported any, are paid for too: they count.
    if (ran.length > 1) countLosers(ctx, ran);
    for (const { pick: ranPick, outcome, recovery: used } of ran) {
      if (outcome.kind === 'done') return;
      if (outcome.kind === 'broken' && used !== undefined) {
        const broken = { pick: ranPick, failure: outcome.failure, usage: outcome.usage };
        return continueStream(ctx, services, plan, used, broken, translation, deadlineAt);
      }
    }
    let quickRetry = -1;
    let quickDelay = 0;
    for (const { pick: ranPick, outcome } of ran) {
      if (outcome.kind === 'lost' || outcome.kind === 'done' || outcome.kind === 'broken') continue;
      if (outcome.kind === 'untranslatable') {
        plan.untranslatable ??= outcome.error;
        plan.exclude(ranPick.index);
        continue;
      }
      const failure = outcome.failure;
      plan.lastFailure = { failure, target: ranPick.target };
      const delay = decide(ctx, services, plan, ranPick.index, ranPick.keyIndex, failure);
      if (delay > 0 && quickRetry === -1) {
        quickRetry = ranPick.index;
        quickDelay = delay;
      }
    }
    if (quickRetry !== -1) {
      if (!(await pause(ctx, quickDelay))) break;
      plan.retrySoon(quickRetry, quickDelay);
    }
  }

  if (ctx.clientAborted) throw new ClientGoneError();
  if (ctx.deadlineExceeded) throw upstreamTimeout('The request did not complete within its deadline.');
  throw plan.exhausted(ctx.attempts.length);
}

/**
 * What one failed attempt changes: key cooldowns, breaker and health, which targets stay eligible.
 * Returns the delay of a quick same-target retry (then the target goes again at once), else 0. Throws
 * the client's own error when the failure is the client's to see.
 */
function decide(
  ctx: RequestContext,
  services: Services,
  plan: AttemptPlan,
  index: number,
  keyIndex: number,
  failure: UpstreamFailure,
): number {
  const routing = ctx.snapshot.routing;
  const runtime = routing.runtime;
  const policies = routing.policies;
  const target = plan.targets[index] as CompiledTarget;
  const state = target.runtime;
  const afterMs = runtime.now();
  switch (failure.errorClass) {
    case 'rate_limited': {
      const waitForMs = failure.retryAfterMs ?? policies.rateLimitCooldownMs;
      runtime.coolKeyForModel(
        state.provider,
        keyIndex,
        state.model,
        afterMs + Math.min(waitForMs, MAX_COOLDOWN_MS),
      );
      // Health hears a failure (a throttled target sheds traffic in proportion). The breaker hears one
      // only when the throttle is long or unhinted: a key at its rate limit for a few milliseconds must
      // not exile the target for the breaker's open period (routing/breaker.ts, throttleOutcome).
      runtime.recordOutcome(state, throttleOutcome(failure.retryAfterMs, policies.breaker), afterMs);
      runtime.recordHealth(state, false, undefined, ctx.stream, afterMs);
      // The slot stays untried: the same target goes next, with its next key if one has room.
      return 0;
    }
    case 'auth':
      // The key, not the target, may be broken: no breaker failure; the next key gets the request.
      runtime.keyRefused(state.provider, keyIndex, afterMs);
      plan.keyRefused(state.provider, keyIndex);
      return 0;
    case 'timeout':
      recordFailure(runtime, target, ctx.stream, afterMs);
      plan.exclude(index);
      return 0;
    case 'server':
    case 'network': {
      recordFailure(runtime, target, ctx.stream, afterMs);
      const retry = routing.retry;
      // A `provider/model` name has no fallback to protect: its retries are `retry_direct_models` rounds.
      const quick = ctx.model?.virtual === true && retry.sameTargetRetries > 0;
      if (quick && plan.takeQuickRetry(index, retry.sameTargetRetries)) {
        // Equal jitter: half the delay fixed, half drawn, so retries from a burst do not land together.
        const base = retry.sameTargetDelayMs;
        return Math.max(1, Math.round(base / 2 + (base / 2) * services.random()));
      }
      plan.failedForNow(index);
      return 0;
    }
    case 'overloaded':
      recordFailure(runtime, target, ctx.stream, afterMs);
      plan.failedForNow(index);
      return 0;
    case 'context_length': {
      // The upstream answered correctly; the request is too long for this model. Never again here;
      // a target with a larger window, or one whose window is unknown, may take it.
      runtime.recordOutcome(state, 'success', afterMs);
      plan.exclude(index);
      const window = target.info?.contextWindow;
      for (let i = 0; i < plan.targets.length; i++) {
        const other = (plan.targets[i] as CompiledTarget).info?.contextWindow;
        if (window !== undefined && other !== undefined && other <= window) plan.exclude(i);
      }
      if (!plan.hasEligible()) throw clientFacingError(failure);
      return 0;
    }
    default:
      // bad_request, content_filter: the client's own mistake, answered at once, never retried.
      runtime.recordOutcome(state, 'success', afterMs);
      throw clientFacingError(failure);
  }
}

/** Adds the usage of hedged attempts that lost the race to the answer's, and prices it again. */
function countLosers(ctx: RequestContext, ran: RanAttempt[]): void {
  let counted = false;
  for (const { outcome, pick } of ran) {
    if (outcome.kind !== 'lost' || outcome.usage === undefined) continue;
    ctx.usage = addUsage(ctx.usage, outcome.usage);
    noteOtherAttempt(ctx, outcome.usage, pick.target);
    counted = true;
  }
  if (counted) {
    ctx.costUsd = null;
    priceAnswer(ctx);
  }
}

/** Waits `delayMs`; false when the client left or the deadline passed meanwhile. */
async function pause(ctx: RequestContext, delayMs: number): Promise<boolean> {
  try {
    await sleep(delayMs, undefined, { signal: ctx.abort.signal });
    return true;
  } catch {
    return false; // the client left or the deadline passed: the caller answers
  }
}

/** A cooldown longer than a day is a provider's mistake or a quota reset; a day is enough either way. */
const MAX_COOLDOWN_MS = 86_400_000;
