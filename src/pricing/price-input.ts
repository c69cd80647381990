/**
 * One price as operators write it, in `pricing.models` and in the pricing webhook's body (docs/design.md §1,
 * §3): USD per 1M tokens. Shared so both paths accept exactly the same thing.
 */
import { z } from 'zod';

const usdPerMTok = z.number().finite().nonnegative();

export const priceInputSchema = z.strictObject({
  input: usdPerMTok,
  output: usdPerMTok,
  cached_input: usdPerMTok.optional(),
  /** Prompt tokens written to the provider's cache (Anthropic's cache creation); absent: billed as `input`. */
  cache_write_input: usdPerMTok.optional(),
  /** Cache writes with a 1-hour TTL (Anthropic: 2× input); absent: billed as `cache_write_input`. */
  cache_write_1h_input: usdPerMTok.optional(),
  /** A multiplier: 0.5 bills batch lines at half price; above 1 would be a surcharge, not a discount. */
  batch_discount: z.number().finite().min(0).max(1).optional(),
});

export type PriceInput = z.infer<typeof priceInputSchema>;

/** The `pricing` config section as the price book reads it (the lead's config schema owns the rest). */
export interface PricingConfig {
  models: Record<string, PriceInput>;
}
