/**
 * What a request cost (docs/design.md §1): the usage the provider reported times the price of the upstream
 * model that answered. Reasoning tokens are part of `completion_tokens` (OpenAI's meaning, which every
 * adapter normalizes to), so they are billed at the output price and never added twice.
 */
import type { Usage } from '../protocol/chat-response.ts';
import type { CostUsage, Price } from './types.ts';

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/**
 * `((prompt − cached) × input + cached × cached_input + completion × output) / 1e6`, times
 * `batch_discount` for a batch line when the price has one. Negative counts (a broken upstream) count
 * as 0 and cached tokens never exceed the prompt, so a cost is never negative.
 */
export function costUsd(usage: CostUsage, price: Price, batch = false): number {
  const prompt = nonNegative(usage.promptTokens);
  const cached = Math.min(nonNegative(usage.cachedTokens), prompt);
  const completion = nonNegative(usage.completionTokens);
  const cachedRate = price.cachedInput ?? price.input;
  const usd =
    ((prompt - cached) * price.input + cached * cachedRate + completion * price.output) /
    TOKENS_PER_PRICE_UNIT;
  return batch && price.batchDiscount !== null ? usd * price.batchDiscount : usd;
}

/** The gateway's normalized usage (src/protocol/chat-response.ts) as the cost formula reads it. */
export function costUsageFromUsage(usage: Usage): CostUsage {
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/** The cost of an answer, or null when the usage or the price is unknown (never a made-up zero). */
export function costOfUsage(
  usage: Usage | undefined,
  price: Price | undefined,
  batch = false,
): number | null {
  if (usage === undefined || price === undefined) return null;
  return costUsd(costUsageFromUsage(usage), price, batch);
}

function nonNegative(count: number): number {
  return Number.isFinite(count) && count > 0 ? count : 0;
}
