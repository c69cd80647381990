/**
 * The price of the answer a request got: the answering provider's price for the model its answer names;
 * else for the target's configured model. A deployment priced under its configured name (an Azure-style
 * deployment, an OpenAI-compatible server) may answer under its underlying model's name, which no entry
 * prices: the target's own price then applies, rather than an unknown cost that a budget never sees.
 */
import type { Price } from '../pricing/types.ts';
import type { RequestContext } from './context.ts';

export function answerPrice(ctx: RequestContext): Price | undefined {
  const prices = ctx.prices;
  const providerName = ctx.provider;
  if (prices === undefined || providerName === null) return undefined;
  const provider = ctx.snapshot.providers.get(providerName);
  if (provider === undefined) return undefined;
  const reported = ctx.upstreamModel ?? '';
  const price = prices.priceFor(providerName, provider.type, reported);
  if (price !== undefined || ctx.targetModel === null || ctx.targetModel === reported) return price;
  return prices.priceFor(providerName, provider.type, ctx.targetModel);
}
