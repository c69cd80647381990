/**
 * The account stage (docs/design.md §2): the real cost of the answer from the usage the provider reported
 * and the price of the upstream model that answered, then, after the response has ended, the
 * settlement: the concurrency lease released, the token estimate replaced by the real count, the budget
 * reservation replaced by the real cost, the spend ledgered in the store and budget thresholds checked.
 * Nothing here waits on I/O while the client does: the settlement and the ledger are fire-and-forget
 * with their failures logged.
 */
import type { CompiledTarget } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { Usage } from '../protocol/chat-response.ts';
import { NANO_USD_PER_USD, type Settlement } from '../limits/types.ts';
import { estimatedCost, tokensOf } from '../observability/request-record.ts';
import { costUsageFromUsage, costUsd } from '../pricing/cost.ts';
import { answerPrice } from './answer-price.ts';
import type { RequestContext } from './context.ts';
import type { Services } from './services.ts';

const HOUR_MS = 3_600_000;

/** Sets `ctx.costUsd` from the usage and the price; called before a JSON answer's headers and at a stream's end. */
export function priceAnswer(ctx: RequestContext): void {
  const usage = ctx.usage;
  if (usage === undefined) return;
  const price = answerPrice(ctx);
  if (price === undefined) return;
  let usd = costUsd(costUsageFromUsage(usage), price);
  // The cost is linear in the counts: each other attempt's part moves from the answer's price to its
  // own (one whose price is unknown stays at the answer's).
  for (const other of ctx.otherAttempts ?? [])
    if (other.price !== undefined) usd += costUsd(other.usage, other.price) - costUsd(other.usage, price);
  ctx.costUsd = Math.max(0, usd);
}

/**
 * Usage, already in `ctx.usage`, of an attempt other than the one that answers: a stream's broken
 * attempt before its continuation, a hedge's loser. It is priced at its own target's price (by the
 * target's configured model: a broken attempt's reported name may never have arrived), not the
 * answer's: an expensive model broken mid-stream and continued on a cheap one costs what both billed.
 */
export function noteOtherAttempt(ctx: RequestContext, usage: Usage, target: CompiledTarget): void {
  const provider = target.provider;
  const price = ctx.prices?.priceFor(provider.name, provider.type, target.adapterTarget.model);
  ctx.otherAttempts ??= [];
  ctx.otherAttempts.push({ usage: costUsageFromUsage(usage), price });
}

/** After the response ended (or the client left): settle admission, ledger the spend, check alerts. */
export function settleRequest(ctx: RequestContext, services: Services): void {
  const controlPlane = services.controlPlane;
  if (controlPlane === undefined) return;
  if (ctx.costUsd === null) priceAnswer(ctx);
  if (ctx.costUsd === null && ctx.usage !== undefined && ctx.provider !== null)
    controlPlane.unknownPrice(ctx.provider, ctx.upstreamModel ?? '');
  const chargedUsd = chargedCostUsd(ctx);
  const admission = ctx.admission;
  const nowMs = Date.now();
  if (admission !== undefined) settleAdmission(ctx, controlPlane, chargedUsd, nowMs, services);
  const tenant = ctx.tenant;
  if (tenant !== undefined && chargedUsd > 0) {
    controlPlane.spend?.enqueueSpend({
      tenant: tenant.name,
      hourStart: Math.floor(nowMs / HOUR_MS) * HOUR_MS,
      usd: chargedUsd,
      requests: 1,
    });
  }
}

/**
 * What the request is charged: its real cost; else, for an answer that started but whose usage never
 * came (a client gone mid-stream, a cut stream, a server that sends no usage), what the log estimates
 * (request-record.ts tokensOf: the prompt, and a token per content chunk delivered) at the answering
 * model's price, since the upstream billed both; without that price, the prompt part of the pre-flight
 * estimate; else nothing (it failed before any upstream charged).
 */
function chargedCostUsd(ctx: RequestContext): number {
  if (ctx.costUsd !== null) return ctx.costUsd;
  if (!ctx.committed) return 0;
  const estimated = estimatedCost(ctx, tokensOf(ctx));
  if (estimated !== null) return estimated;
  const estimate = ctx.estimate;
  if (estimate === undefined || estimate.costUsd === null) return 0;
  const totalTokens = estimate.promptTokens + estimate.maxOutputTokens;
  return totalTokens === 0 ? 0 : (estimate.costUsd * estimate.promptTokens) / totalTokens;
}

function settleAdmission(
  ctx: RequestContext,
  controlPlane: ControlPlane,
  chargedUsd: number,
  nowMs: number,
  services: Services,
): void {
  const admission = ctx.admission;
  if (admission === undefined) return;
  const spec = admission.spec;
  const usage = ctx.usage;
  const actualNanoUsd = Math.round(chargedUsd * NANO_USD_PER_USD);
  const settlement: Settlement = {
    requestId: spec.requestId,
    releaseConcurrent: spec.concurrent !== undefined,
    tokens:
      spec.tpm === undefined
        ? undefined
        : {
            estimated: spec.estimatedTokens,
            // Unknown usage after a committed answer: keep the estimate, it is the best figure there is.
            // A cache hit made no upstream call: it spends no tokens.
            actual:
              ctx.cacheStatus === 'HIT'
                ? 0
                : usage !== undefined
                  ? usage.prompt_tokens + usage.completion_tokens
                  : ctx.committed
                    ? spec.estimatedTokens
                    : 0,
          },
    budget:
      spec.budget === undefined
        ? undefined
        : { periodKey: spec.budget.periodKey, periodEndMs: spec.budget.periodEndMs, actualNanoUsd },
  };
  try {
    const settled = controlPlane.state.settle(admission.scope, settlement, nowMs);
    if (settled instanceof Promise)
      settled.catch((error: unknown) =>
        services.logger.warn({ err: error, request_id: ctx.requestId }, 'settling limits and budget failed'),
      );
  } catch (error) {
    // The lease and reservation expire on their own (AdmissionSpec.leaseMs); the request is answered.
    services.logger.warn({ err: error, request_id: ctx.requestId }, 'settling limits and budget failed');
  }
  const tenant = ctx.tenant;
  if (tenant?.budget !== undefined && spec.budget !== undefined) {
    const spentUsd = (admission.spentNanoUsd + actualNanoUsd) / NANO_USD_PER_USD;
    controlPlane.monitor.onSettled(tenant.name, tenant.budget, spentUsd, chargedUsd);
  }
}
