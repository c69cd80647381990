/**
 * Prices and costs (docs/design.md §1, `pricing`): USD per 1M tokens. A cost is the usage the provider
 * reported times the price of the upstream model that answered:
 * `((prompt − cached − written) × input + cached × cached_input + written × cache_write_input
 * + completion × output) / 1e6` (the part of `written` with a 1-hour TTL at `cache_write_1h_input`),
 * cached (cache reads) and written (cache writes) being parts of the prompt and reasoning tokens part of `completion_tokens`; batch lines are multiplied by
 * `batch_discount`. A model without a price has an unknown cost (null), never a zero one.
 */

export type PriceSource = 'built-in' | 'config' | 'webhook';

export interface Price {
  input: number;
  output: number;
  /** Cached prompt tokens; null: billed as `input`. */
  cachedInput: number | null;
  /** Prompt tokens written to the provider's cache (Anthropic: 1.25× input); null: billed as `input`. */
  cacheWriteInput: number | null;
  /** Cache writes with a 1-hour TTL (Anthropic: 2× input); null: billed as `cacheWriteInput`. */
  cacheWrite1hInput: number | null;
  /** Multiplier for batch lines (0.5: half price); null: no batch discount known. */
  batchDiscount: number | null;
  source: PriceSource;
  /** Built-in entries: the day the price was read and the provider page it comes from. */
  asOf: string | null;
  url: string | null;
}

/** One row of GET /admin/pricing. */
export interface PriceEntry {
  /** `model` (any provider) or `provider/model` for config and webhook entries; `type:model-prefix` for built-ins. */
  name: string;
  price: Price;
}

/** The normalized usage a cost is computed from (OpenAI's meaning: cached and reasoning are parts). */
export interface CostUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Prompt tokens written to the provider's cache (`prompt_tokens_details.cache_write_tokens`). */
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written with a 1-hour TTL (`prompt_tokens_details.cache_write_1h_tokens`). */
  cacheWrite1hTokens?: number;
}
