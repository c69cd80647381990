/**
 * The built-in price table: list prices (USD per 1M tokens, standard tier, short-context rate), batch
 * discount, context window and largest output of the current main models of the six providers. It is
 * the only price table in the code base: cost, the pre-flight estimate, cost routing and
 * `context_length` fallover (src/routing/prices.ts) all read it. Operators override it with
 * `pricing.models` and the pricing webhook (price-book.ts).
 *
 * Figures come from /work/shared/docs/providers.md §9 ("Models and list prices"), which records where
 * each row was read; `url` is the provider's pricing page and `readFrom` the copy the figure was taken
 * from when that was not the page itself. Rows marked "carried over" are the 2025 list prices of the
 * earlier routing table for models §9 does not list. Where sources conflict, the higher figure is
 * taken: an estimate that is too high blocks a budget early, one that is too low overspends it.
 *
 * Known simplifications (a cost is list price times usage, docs/design.md §1):
 * - Long-context tiers (Gemini 2.5 Pro above 200 K prompt tokens: 2.50 / 15.00; Qwen above 32 K or
 *   128 K) are billed at the short-context rate here, so such prompts are under-costed.
 * - Anthropic cache writes are priced by their TTL (docs/providers.md §2.6): 1.25× input for 5 minutes,
 *   2× for 1 hour (the usage's `cache_write_1h_tokens`, part of `cache_write_tokens`).
 * - DeepSeek bills half price off-peak (docs/providers.md §9); the peak price is used, an upper bound.
 * - Qwen `qwen-plus` bills thinking output at 4.00; the non-thinking 1.20 is used.
 * - `cachedInput: null` means no cached price was found: cached tokens are billed as input (an upper
 *   bound). `cacheWriteInput: null` means no cache-write price was found: written tokens are billed as
 *   input (Qwen reports explicit cache writes, docs/providers.md §6.4, but §9 gives no price for them).
 *   `batchDiscount: null` means none is confirmed: batch lines are billed in full.
 *
 * Context windows: Gemini's from its models list (docs/providers.md §3.8: 1,048,576 in, 65,536 out), the
 * rest carried over from the routing table (2025; the smaller figure where a model has a beta for more,
 * so fallover never sends a prompt to a window that refuses it). `maxOutputTokens` (the pre-flight
 * estimate's default output) is each provider's documented model limit as of 2025–2026, not
 * re-verified for this table; null where no figure was found (the estimate's documented default).
 */
import { resolveFamily } from './model-family.ts';

export interface BuiltInModel {
  input: number;
  output: number;
  cachedInput: number | null;
  /** Prompt tokens written to the provider's cache; null: billed as `input`. */
  cacheWriteInput: number | null;
  /** Cache writes with a 1-hour TTL; null: billed as `cacheWriteInput`. */
  cacheWrite1hInput: number | null;
  batchDiscount: number | null;
  /** Input tokens the model accepts. */
  contextWindow: number;
  /** Largest output the model produces in one answer; null: not known. */
  maxOutputTokens: number | null;
  /** The day (or month) the price was read: `2026-03`, `2026-07-04`. */
  asOf: string;
  /** The provider's pricing page. */
  url: string;
  /** Where the figure was read, as docs/providers.md §9 records it. */
  readFrom: string;
}

const OPENAI_URL = 'https://platform.openai.com/docs/pricing';
const ANTHROPIC_URL = 'https://platform.claude.com/docs/en/about-claude/pricing';
const GEMINI_URL = 'https://ai.google.dev/gemini-api/docs/pricing';
const DEEPSEEK_URL = 'https://api-docs.deepseek.com/quick_start/pricing';
const DEEPSEEK_2025_URL = 'https://api-docs.deepseek.com/quick_start/pricing-details-usd';
const QWEN_URL = 'https://www.alibabacloud.com/help/en/model-studio/models';
const MISTRAL_URL = 'https://mistral.ai/pricing';

/** OpenAI, Anthropic, Google and Alibaba bill Batch API lines at half price (docs/providers.md §1.12, §9). */
const HALF = 0.5;
const CARRIED_OVER = 'carried over from the 2025 routing table (provider list price)';

type Row = [
  model: string,
  input: number,
  cachedInput: number | null,
  output: number,
  contextWindow: number,
  maxOutputTokens: number | null,
  asOf: string,
  readFrom: string,
];

/** A provider's cache-write prices (the default TTL's and the 1-hour one's), from a row's input price. */
interface CacheWritePrice {
  write(input: number): number | null;
  write1h(input: number): number | null;
}
/** No cache-write price known: written tokens are billed as input. */
const NO_CACHE_WRITE_PRICE: CacheWritePrice = { write: () => null, write1h: () => null };

function rows(
  url: string,
  batchDiscount: number | null,
  cacheWrite: CacheWritePrice,
  list: Row[],
): ReadonlyMap<string, BuiltInModel> {
  const table = new Map<string, BuiltInModel>();
  for (const [model, input, cachedInput, output, contextWindow, maxOutputTokens, asOf, readFrom] of list) {
    table.set(model, {
      input,
      output,
      cachedInput,
      cacheWriteInput: cacheWrite.write(input),
      cacheWrite1hInput: cacheWrite.write1h(input),
      batchDiscount,
      contextWindow,
      maxOutputTokens,
      asOf,
      url,
      readFrom,
    });
  }
  return table;
}

/** Anthropic bills cache reads at 0.1× the input price (docs/providers.md §2.9, §9). */
const claudeRead = (input: number): number => Math.round(input * 0.1 * 1e6) / 1e6;
/**
 * Anthropic bills cache writes at 1.25× the input price with the 5-minute TTL and 2× with the 1-hour
 * one, for every model (docs/providers.md §2.6, §9).
 */
const claudeWrite: CacheWritePrice = {
  write: (input) => Math.round(input * 1.25 * 1e6) / 1e6,
  write1h: (input) => Math.round(input * 2 * 1e6) / 1e6,
};

/** Keyed by provider type, then by model id or family name (model-family.ts). */
export const BUILT_IN_MODELS: ReadonlyMap<string, ReadonlyMap<string, BuiltInModel>> = new Map([
  [
    'openai',
    rows(OPENAI_URL, HALF, NO_CACHE_WRITE_PRICE, [
      ['gpt-5.5', 5, 0.5, 30, 400_000, 128_000, '2026', 'aipromptshub.co calculator, 2026 [3P, unverified]'],
      [
        'gpt-5.4',
        2.5,
        0.25,
        15,
        400_000,
        128_000,
        '2026-03',
        'adk-model crate pricing table, March 2026 [3P]',
      ],
      ['gpt-5.4-mini', 0.75, 0.075, 4.5, 400_000, 128_000, '2026-03', 'adk-model crate, March 2026 [3P]'],
      ['gpt-5.2', 1.75, 0.175, 14, 400_000, 128_000, '2026', 'nicolalazzari.ai OpenAI API pricing 2026 [3P]'],
      ['gpt-5', 1.25, 0.125, 10, 400_000, 128_000, '2026-06', 'openai-cost crate 2026-Q2 [3P]'],
      ['gpt-5-mini', 0.25, 0.025, 2, 400_000, 128_000, '2026', 'nicolalazzari.ai 2026 [3P]'],
      ['gpt-5-nano', 0.05, 0.005, 0.4, 400_000, 128_000, '2026', 'SciCode price list [3P; cached UNV]'],
      ['gpt-4.1', 2, 0.5, 8, 1_047_576, 32_768, '2026', 'SciCode price list [3P; cached UNV]'],
      ['gpt-4.1-mini', 0.4, 0.1, 1.6, 1_047_576, 32_768, '2026', 'SciCode price list [3P; cached UNV]'],
      ['gpt-4.1-nano', 0.1, 0.025, 0.4, 1_047_576, 32_768, '2026', 'SciCode price list [3P; cached UNV]'],
      [
        'gpt-4o',
        2.5,
        1.25,
        10,
        128_000,
        16_384,
        '2026',
        'chatgptpricing page citing developers.openai.com [3P]',
      ],
      ['gpt-4o-mini', 0.15, 0.075, 0.6, 128_000, 16_384, '2026', 'chatgptpricing page [3P]'],
      ['o3', 2, null, 8, 200_000, 100_000, '2025', CARRIED_OVER],
      ['o3-mini', 1.1, null, 4.4, 200_000, 100_000, '2025', CARRIED_OVER],
      ['o4-mini', 1.1, null, 4.4, 200_000, 100_000, '2025', CARRIED_OVER],
    ]),
  ],
  [
    'anthropic',
    rows(ANTHROPIC_URL, HALF, claudeWrite, [
      ['claude-opus-5', 5, claudeRead(5), 25, 200_000, 64_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-opus-4-8', 5, claudeRead(5), 25, 200_000, 64_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-opus-4-7', 5, claudeRead(5), 25, 200_000, 64_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-opus-4-6', 5, claudeRead(5), 25, 200_000, 64_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-opus-4-5', 5, claudeRead(5), 25, 200_000, 64_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-opus-4-1', 15, claudeRead(15), 75, 200_000, 32_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-opus-4', 15, claudeRead(15), 75, 200_000, 32_000, '2026-08', 'pricing page snapshot [DOC]'],
      [
        'claude-sonnet-5',
        2,
        claudeRead(2),
        10,
        200_000,
        64_000,
        '2026',
        'synaps crate copy of the page [3P]',
      ],
      ['claude-sonnet-4-6', 3, claudeRead(3), 15, 200_000, 64_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-sonnet-4-5', 3, claudeRead(3), 15, 200_000, 64_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-sonnet-4', 3, claudeRead(3), 15, 200_000, 64_000, '2025', CARRIED_OVER],
      ['claude-haiku-4-5', 1, claudeRead(1), 5, 200_000, 64_000, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-fable-5', 10, claudeRead(10), 50, 200_000, null, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-mythos-5', 10, claudeRead(10), 50, 200_000, null, '2026-08', 'pricing page snapshot [DOC]'],
      ['claude-3-7-sonnet', 3, claudeRead(3), 15, 200_000, 64_000, '2025', CARRIED_OVER],
      ['claude-3-5-haiku', 0.8, claudeRead(0.8), 4, 200_000, 8_192, '2025', CARRIED_OVER],
    ]),
  ],
  [
    'gemini',
    rows(GEMINI_URL, HALF, NO_CACHE_WRITE_PRICE, [
      ['gemini-3.1-pro-preview', 2, 0.2, 12, 1_048_576, 65_536, '2026-03', 'aifreeapi.com [3P; cached UNV]'],
      ['gemini-3-flash-preview', 0.5, 0.05, 3, 1_048_576, 65_536, '2026-07-04', 'factquire.com [3P]'],
      ['gemini-3.1-flash-lite-preview', 0.25, null, 1.5, 1_048_576, 65_536, '2026-03', 'aifreeapi.com [3P]'],
      [
        'gemini-2.5-pro',
        1.25,
        0.125,
        10,
        1_048_576,
        65_536,
        '2026',
        'gemini-cost crate two-tier design [UNV]',
      ],
      ['gemini-2.5-flash', 0.3, 0.03, 2.5, 1_048_576, 65_536, '2026-03', 'aifreeapi.com [3P; cached UNV]'],
      [
        'gemini-2.5-flash-lite',
        0.1,
        0.01,
        0.4,
        1_048_576,
        65_536,
        '2026-03',
        'aifreeapi.com [3P; cached UNV]',
      ],
      ['gemini-2.0-flash', 0.1, null, 0.4, 1_048_576, 8_192, '2025', CARRIED_OVER],
    ]),
  ],
  [
    // No batch API (docs/providers.md §9).
    'deepseek',
    new Map([
      ...rows(DEEPSEEK_URL, null, NO_CACHE_WRITE_PRICE, [
        ['deepseek-flash', 0.3, 0.006, 1.2, 128_000, null, '2026-08-16', 'pricing page, peak rate [DOC]'],
        ['deepseek-v4-pro', 1.32, 0.044, 3.96, 128_000, null, '2026-08-16', 'pricing page, peak rate [DOC]'],
        ['deepseek-v4-flash', 0.14, 0.0028, 0.28, 128_000, null, '2026-08', 'pricing page snapshot [DOC]'],
      ]),
      ...rows(DEEPSEEK_2025_URL, null, NO_CACHE_WRITE_PRICE, [
        ['deepseek-chat', 0.27, 0.07, 1.1, 128_000, 8_192, '2025', 'pricing-details-usd page (V3) [DOC]'],
        [
          'deepseek-reasoner',
          0.55,
          0.14,
          2.19,
          128_000,
          65_536,
          '2025',
          'pricing-details-usd page (R1) [DOC]',
        ],
      ]),
    ]),
  ],
  [
    'qwen',
    rows(QWEN_URL, HALF, NO_CACHE_WRITE_PRICE, [
      ['qwen3-max', 1.2, null, 6, 262_144, 65_536, '2026', 'international price, ≤32 K tier [UNV]'],
      ['qwen-plus', 0.4, null, 1.2, 131_072, 32_768, '2026', 'international price, ≤128 K tier [UNV]'],
      ['qwen-flash', 0.05, null, 0.4, 1_000_000, 32_768, '2026', 'international price, ≤128 K tier [UNV]'],
      ['qwen-max', 1.6, null, 6.4, 32_768, 8_192, '2025', CARRIED_OVER],
      ['qwen-turbo', 0.05, null, 0.2, 1_000_000, 16_384, '2025', CARRIED_OVER],
    ]),
  ],
  [
    // Batch discount reported as 50 % but unverified (docs/providers.md §9): billed in full until confirmed.
    'mistral',
    rows(MISTRAL_URL, null, NO_CACHE_WRITE_PRICE, [
      ['mistral-medium', 0.4, null, 2, 128_000, null, '2026-04', 'tokenmix.ai [3P, UNV]'],
      [
        'mistral-small',
        0.2,
        null,
        0.6,
        128_000,
        null,
        '2026-04',
        'higher of deploybase.ai / tokenmix.ai [3P]',
      ],
      ['mistral-large', 2, null, 6, 128_000, null, '2026', 'higher of devtk.ai / tokenmix.ai [3P]'],
      ['codestral', 0.3, null, 0.9, 256_000, null, '2026-04', 'tokenmix.ai [3P, UNV]'],
    ]),
  ],
]);

/** The row for `model` of a provider of `type` (an exact id or its family); undefined when unlisted. */
export function lookupBuiltIn(type: string, model: string): BuiltInModel | undefined {
  const models = BUILT_IN_MODELS.get(type);
  if (models === undefined) return undefined;
  return resolveFamily(model, (name) => models.get(name));
}
