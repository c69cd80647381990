/**
 * What a request cost (docs/design.md §1): the usage the provider reported times the price of the upstream
 * model that answered. Reasoning tokens are part of `completion_tokens` (OpenAI's meaning, which every
 * adapter normalizes to), so they are billed at the output price and never added twice. Cache reads
 * (`cached_tokens`) and cache writes (`cache_write_tokens`, Anthropic's and Qwen's explicit cache
 * creation) are parts of `prompt_tokens` too, each billed at its own rate and the rest at `input`.
 */
import type { Usage } from '../protocol/chat-response.ts';
import { cacheWrite1hTokensOf } from '../providers/shared/usage.ts';
import type { CostUsage, Price } from './types.ts';

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/**
 * `((prompt − cached − written) × input + cached × cached_input + written × cache_write_input
 * + completion × output) / 1e6`, the written tokens with a 1-hour TTL at `cache_write_1h_input`, times `batch_discount` for a batch line when the price has one.
 * Negative counts (a broken upstream) count as 0, cached tokens never exceed the prompt and written
 * ones never exceed what is left of it, so no token is billed twice and a cost is never negative.
 */
export function costUsd(usage: CostUsage, price: Price, batch = false): number {
  const prompt = nonNegative(usage.promptTokens);
  const cached = Math.min(nonNegative(usage.cachedTokens), prompt);
  const written = Math.min(nonNegative(usage.cacheWriteTokens), prompt - cached);
  const completion = nonNegative(usage.completionTokens);
  const cachedRate = price.cachedInput ?? price.input;
  const writeRate = price.cacheWriteInput ?? price.input;
  const writtenFor1h = Math.min(nonNegative(usage.cacheWrite1hTokens ?? 0), written);
  const write1hRate = price.cacheWrite1hInput ?? writeRate;
  const usd =
    ((prompt - cached - written) * price.input +
      cached * cachedRate +
      (written - writtenFor1h) * writeRate +
      writtenFor1h * write1hRate +
      completion * price.output) /
    TOKENS_PER_PRICE_UNIT;
  return batch && price.batchDiscount !== null ? usd * price.batchDiscount : usd;
}

/** The gateway's normalized usage (src/protocol/chat-response.ts) as the cost formula reads it. */
export function costUsageFromUsage(usage: Usage): CostUsage {
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: usage.prompt_tokens_details?.cache_write_tokens ?? 0,
    cacheWrite1hTokens: cacheWrite1hTokensOf(usage),
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
