/**
 * The budget stage (docs/design.md §2): the pre-flight estimate admission reserves against the budget and
 * counts against the TPM window, settled with the real usage afterwards (account.ts). The route is not
 * chosen yet, so the estimate is the largest over the model's targets: each with its own tokenizer
 * correction, price and output limit (src/pricing/estimate.ts). The prompt is tokenized once.
 *
 * Only a tenant with a TPM limit or a budget pays for this: tokenizing is the costliest thing a
 * request does before it is sent (about 10 µs for a short chat, 1–2 ms at the exact-count bound).
 */
import { countPromptTokens, estimateRequest as estimateForTarget } from '../pricing/estimate.ts';
import type { RequestContext } from './context.ts';

export function estimateCost(ctx: RequestContext): void {
  const tenant = ctx.tenant;
  const request = ctx.request;
  const model = ctx.model;
  const prices = ctx.prices;
  if (tenant === undefined || request === undefined || model === undefined || prices === undefined) return;
  if (tenant.tpm === undefined && tenant.budget === undefined) return;
  const o200kTokens = countPromptTokens(request);
  let promptTokens = 0;
  let maxOutputTokens = 0;
  let costUsd: number | null = null;
  for (const target of model.targets) {
    const provider = target.provider;
    const upstreamModel = target.adapterTarget.model;
    const estimate = estimateForTarget(
      request,
      {
        providerType: provider.type,
        price: prices.priceFor(provider.name, provider.type, upstreamModel),
        limits: prices.limitsFor(provider.name, provider.type, upstreamModel),
      },
      false,
      o200kTokens,
    );
    if (estimate.promptTokens > promptTokens) promptTokens = estimate.promptTokens;
    if (estimate.maxOutputTokens > maxOutputTokens) maxOutputTokens = estimate.maxOutputTokens;
    if (estimate.costUsd !== null && (costUsd === null || estimate.costUsd > costUsd))
      costUsd = estimate.costUsd;
  }
  ctx.estimate = { promptTokens, maxOutputTokens, costUsd };
}
