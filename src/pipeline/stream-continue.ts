/**
 * Splicing a broken stream (issue 13): when a stream breaks after its first byte (cut without a finish,
 * a stall past the idle deadline, a malformed or error event), the answer is continued on the next
 * target whose provider can continue one (continuation.ts), and only what follows is streamed, so the
 * client sees one whole answer ending in a normal finish. Usage counts every attempt, the seam is in
 * the log, and the original failure is never hidden: where no target can continue, the stream ends
 * with an OpenAI-shaped error event naming it.
 *
 * Never after a tool call or any structured output went out (a second lifecycle would duplicate its
 * side effects), never for `n > 1` or a JSON response format (a spliced JSON document is no document).
 */
import type { UpstreamFailure } from '../providers/types.ts';
import type { TranslationContext } from '../providers/types.ts';
import type { Usage } from '../protocol/chat-response.ts';
import { requestShape } from '../routing/request-shape.ts';
import type { AttemptPlan, AttemptPick } from './attempt-plan.ts';
import { recordFailure, runAttempt } from './attempt-run.ts';
import type { RequestContext } from './context.ts';
import { continuationRequest } from './continuation.ts';
import { type StreamRecovery, streamBrokenError } from './exchange.ts';
import type { Services } from './services.ts';
import { noteOtherAttempt } from './account.ts';
import { timeForAnotherAttempt } from './attempt-deadline.ts';
import { addUsage, DeliveredStream, estimatedUsage } from './stream-delivery.ts';

/**
 * Recovery bookkeeping for a streamed request that could be continued if it broke, else undefined (and
 * the stream costs nothing extra). One pass over the route's few targets, never over the config.
 */
export function streamRecoveryFor(ctx: RequestContext, plan: AttemptPlan): StreamRecovery | undefined {
  const request = ctx.request;
  if (!ctx.stream || request === undefined) return undefined;
  if ((request.n ?? 1) !== 1) return undefined;
  const format = request.response_format?.type;
  if (format === 'json_object' || format === 'json_schema') return undefined;
  let continuers = 0;
  for (const target of plan.targets) if (target.provider.continuation !== 'off') continuers++;
  if (continuers === 0) return undefined;
  return { delivered: new DeliveredStream(), continuing: false, priorUsage: undefined };
}

export interface BrokenStream {
  pick: AttemptPick;
  failure: UpstreamFailure;
  usage: Usage | undefined;
}

/**
 * Continues a broken stream on the plan's next targets that can; resolves when one finished the
 * answer, throws the error event's GatewayError when none could.
 */
export async function continueStream(
  ctx: RequestContext,
  services: Services,
  plan: AttemptPlan,
  recovery: StreamRecovery,
  broken: BrokenStream,
  translation: TranslationContext,
  deadlineAt: number,
): Promise<void> {
  const runtime = ctx.snapshot.routing.runtime;
  const maxAttempts = ctx.snapshot.routing.retry.maxAttempts;
  const first = broken;
  let last = broken;
  const firstUsage = brokenUsage(ctx, translation, recovery, broken);
  noteOtherAttempt(ctx, firstUsage, broken.pick.target);
  let priorUsage = addUsage(recovery.priorUsage, firstUsage);
  plan.exclude(broken.pick.index);
  while (
    !ctx.abort.signal.aborted &&
    ctx.attemptCount < maxAttempts &&
    timeForAnotherAttempt(ctx, deadlineAt)
  ) {
    const delivered = recovery.delivered.read();
    if (delivered.structured) break;
    let pick = plan.pick(runtime.now());
    if (pick instanceof Promise) pick = await pick;
    if (pick === undefined) break;
    const provider = pick.target.provider;
    const mode = provider.continuation;
    if (mode === 'off') {
      if (pick.leased) provider.runtime.concurrency?.release(pick.keyIndex, 'other', performance.now());
      plan.exclude(pick.index);
      continue;
    }
    recovery.delivered.seal();
    ctx.seams.push({
      from: last.pick.target.id,
      failure: last.failure.code ?? last.failure.errorClass,
      to: pick.target.id,
      mode,
      atChars: delivered.text.length,
    });
    const next: StreamRecovery = { delivered: recovery.delivered, continuing: true, priorUsage };
    const request = continuationRequest(translation.request, delivered.text, mode, provider.type);
    const outcome = await runAttempt(
      ctx,
      services,
      { ...pick, reason: 'continuation' },
      { ...translation, request },
      deadlineAt,
      { recovery: next, prefix: mode === 'prefix' },
    );
    if (outcome.kind === 'done') return;
    // Only a hedged attempt can lose a race, and continuations are never hedged.
    if (outcome.kind === 'lost') continue;
    // Whatever else happened, this target does not get this answer again.
    plan.exclude(pick.index);
    if (outcome.kind === 'untranslatable') {
      ctx.seams.pop();
      continue;
    }
    if (outcome.kind === 'broken') {
      last = { pick, failure: outcome.failure, usage: outcome.usage };
      const usage = brokenUsage(ctx, { ...translation, request }, next, last);
      noteOtherAttempt(ctx, usage, pick.target);
      priorUsage = addUsage(priorUsage, usage);
      continue;
    }
    // Failed before its first byte: no seam after all. A refused prefill (a 400) is the request's
    // shape, not the target's health; everything else the breaker hears.
    ctx.seams.pop();
    const errorClass = outcome.failure.errorClass;
    if (errorClass === 'bad_request' || errorClass === 'context_length' || errorClass === 'content_filter')
      runtime.recordOutcome(pick.target.runtime, 'success', runtime.now());
    else if (errorClass !== 'rate_limited' && errorClass !== 'auth')
      recordFailure(runtime, pick.target, true, runtime.now());
  }
  // Nowhere to continue: the usage so far stands, and the stream ends with the original failure.
  ctx.usage = priorUsage;
  throw streamBrokenError(ctx, first.pick.target.provider.name, first.failure);
}

/** The broken attempt's own usage: as reported, else estimated from what it delivered. */
function brokenUsage(
  ctx: RequestContext,
  translation: TranslationContext,
  recovery: StreamRecovery,
  broken: BrokenStream,
): Usage {
  // Most providers report usage only at the end: a broken stream's own figure, when it has one, may
  // still read zero output although text went out.
  if (broken.usage !== undefined && broken.usage.completion_tokens > 0) return broken.usage;
  ctx.usageEstimated = true;
  const promptTokens = ctx.estimate?.promptTokens ?? requestShape(translation.request).promptTokens;
  return estimatedUsage(promptTokens, recovery.delivered.lastAttemptChars());
}
