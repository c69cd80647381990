/**
 * The prices in force: the built-in table, the operator's `pricing.models` and the pricing webhook's
 * overrides. One book per config snapshot; the webhook swaps in a new book (`withWebhookPrices`), so a
 * request keeps the book it started with.
 *
 * Precedence, most specific name first, then the live source: webhook `provider/model` > config
 * `provider/model` > webhook `model` > config `model` > built-in. A name that says which provider it
 * means is a deliberate statement about that provider (a negotiated rate, say), so a webhook update of
 * the generic list price must not undo it; at equal specificity the webhook wins because it is the
 * live update path and config only changes with a reload. Every name also covers the dated snapshots
 * of its model (model-family.ts), the exact id winning over its family at each level.
 *
 * `priceFor` runs per request: a hit is two Map lookups in a memo keyed by provider name and model; only
 * a miss walks the levels above. The memo is bounded (MEMO_LIMIT entries, cleared when full) because
 * `provider/model` requests can name any model.
 */
import type { PriceOverride } from '../store/types.ts';
import { BUILT_IN_MODELS, type BuiltInModel, lookupBuiltIn } from './built-in.ts';
import { resolveFamily } from './model-family.ts';
import type { PricingConfig } from './price-input.ts';
import type { Price, PriceEntry } from './types.ts';

/** The model's size limits, from the built-in table (operators' prices do not carry them). */
export interface ModelLimits {
  contextWindow: number;
  maxOutputTokens: number | null;
}

interface Resolved {
  price: Price | undefined;
  limits: ModelLimits | undefined;
}

/**
 * Enough for the provider × model pairs that carry real traffic; cleared, not evicted one by one, when
 * full. Small, because `provider/model` names are the client's to choose (issue 10: bounded memory).
 */
export const MEMO_LIMIT = 1_024;

export class PriceBook {
  readonly #config: ReadonlyMap<string, Price>;
  readonly #webhook: ReadonlyMap<string, Price>;
  readonly #memo = new Map<string, Map<string, Resolved>>();
  #memoSize = 0;

  private constructor(config: ReadonlyMap<string, Price>, webhook: ReadonlyMap<string, Price>) {
    this.#config = config;
    this.#webhook = webhook;
  }

  /** The book for a config's `pricing` section (absent: built-in prices only). */
  static fromConfig(config: PricingConfig | undefined, webhook: readonly PriceOverride[] = []): PriceBook {
    const prices = new Map<string, Price>();
    for (const [name, input] of Object.entries(config?.models ?? {})) {
      prices.set(name, {
        input: input.input,
        output: input.output,
        cachedInput: input.cached_input ?? null,
        cacheWriteInput: input.cache_write_input ?? null,
        cacheWrite1hInput: input.cache_write_1h_input ?? null,
        batchDiscount: input.batch_discount ?? null,
        source: 'config',
        asOf: null,
        url: null,
      });
    }
    return new PriceBook(prices, webhookPrices(webhook));
  }

  /** A new book with these webhook overrides (all of them, as the store lists them) replacing the old. */
  withWebhookPrices(overrides: readonly PriceOverride[]): PriceBook {
    return new PriceBook(this.#config, webhookPrices(overrides));
  }

  /** The price of `upstreamModel` at the provider named `providerName` (of type `providerType`). */
  priceFor(providerName: string, providerType: string, upstreamModel: string): Price | undefined {
    return this.#resolve(providerName, providerType, upstreamModel).price;
  }

  /** Context window and output limit of the model, when the built-in table knows it. */
  limitsFor(providerName: string, providerType: string, upstreamModel: string): ModelLimits | undefined {
    return this.#resolve(providerName, providerType, upstreamModel).limits;
  }

  /** Every price row, each with its source, for GET /admin/pricing: built-ins, then config, then webhook. */
  entries(): PriceEntry[] {
    const entries: PriceEntry[] = [];
    for (const [type, models] of BUILT_IN_MODELS) {
      for (const [model, row] of models) entries.push({ name: `${type}:${model}`, price: builtInPrice(row) });
    }
    for (const [name, price] of this.#config) entries.push({ name, price });
    for (const [name, price] of this.#webhook) entries.push({ name, price });
    return entries;
  }

  #resolve(providerName: string, providerType: string, model: string): Resolved {
    let byModel = this.#memo.get(providerName);
    const hit = byModel?.get(model);
    if (hit !== undefined) return hit;
    const resolved = this.#lookup(providerName, providerType, model);
    if (this.#memoSize >= MEMO_LIMIT) {
      this.#memo.clear();
      this.#memoSize = 0;
      byModel = undefined;
    }
    if (byModel === undefined) {
      byModel = new Map();
      this.#memo.set(providerName, byModel);
    }
    byModel.set(model, resolved);
    this.#memoSize++;
    return resolved;
  }

  #lookup(providerName: string, providerType: string, model: string): Resolved {
    const row = lookupBuiltIn(providerType, model);
    const limits =
      row === undefined
        ? undefined
        : { contextWindow: row.contextWindow, maxOutputTokens: row.maxOutputTokens };
    const qualified = `${providerName}/`;
    const price =
      resolveFamily(model, (name) => this.#webhook.get(qualified + name)) ??
      resolveFamily(model, (name) => this.#config.get(qualified + name)) ??
      resolveFamily(model, (name) => this.#webhook.get(name)) ??
      resolveFamily(model, (name) => this.#config.get(name)) ??
      (row === undefined ? undefined : builtInPrice(row));
    return { price, limits };
  }
}

function webhookPrices(overrides: readonly PriceOverride[]): ReadonlyMap<string, Price> {
  const prices = new Map<string, Price>();
  for (const override of overrides) {
    prices.set(override.name, {
      input: override.input,
      output: override.output,
      cachedInput: override.cachedInput,
      cacheWriteInput: override.cacheWriteInput,
      cacheWrite1hInput: override.cacheWrite1hInput,
      batchDiscount: override.batchDiscount,
      source: 'webhook',
      asOf: new Date(override.updatedAt).toISOString(),
      url: null,
    });
  }
  return prices;
}

function builtInPrice(row: BuiltInModel): Price {
  return {
    input: row.input,
    output: row.output,
    cachedInput: row.cachedInput,
    cacheWriteInput: row.cacheWriteInput,
    cacheWrite1hInput: row.cacheWrite1hInput,
    batchDiscount: row.batchDiscount,
    source: 'built-in',
    asOf: row.asOf,
    url: row.url,
  };
}
