import { describe, expect, it } from 'vitest';
import { lookupBuiltIn } from '../../src/pricing/built-in.ts';
import { MEMO_LIMIT, PriceBook } from '../../src/pricing/price-book.ts';
import type { PriceOverride } from '../../src/store/types.ts';

const override = (name: string, input: number, output = input * 4): PriceOverride => ({
  name,
  input,
  output,
  cachedInput: null,
  cacheWriteInput: null,
  cacheWrite1hInput: null,
  batchDiscount: null,
  updatedAt: Date.UTC(2026, 11, 7),
});

describe('PriceBook precedence', () => {
  it('uses the built-in row when nothing overrides it, tagged with its source, date and page', () => {
    const book = PriceBook.fromConfig(undefined);
    const price = book.priceFor('openai', 'openai', 'gpt-4.1');
    const row = lookupBuiltIn('openai', 'gpt-4.1');
    expect(price).toEqual({
      input: row?.input,
      output: row?.output,
      cachedInput: row?.cachedInput,
      cacheWriteInput: row?.cacheWriteInput,
      cacheWrite1hInput: row?.cacheWrite1hInput,
      batchDiscount: row?.batchDiscount,
      source: 'built-in',
      asOf: row?.asOf,
      url: row?.url,
    });
  });

  it('config `model` beats built-in; config `provider/model` beats config `model`', () => {
    const book = PriceBook.fromConfig({
      models: {
        'gpt-4.1': { input: 1, output: 2, cached_input: 0.25, cache_write_input: 1.5, batch_discount: 0.4 },
        'backup/gpt-4.1': { input: 3, output: 4 },
      },
    });
    expect(book.priceFor('openai', 'openai', 'gpt-4.1')).toMatchObject({
      input: 1,
      output: 2,
      cachedInput: 0.25,
      cacheWriteInput: 1.5,
      batchDiscount: 0.4,
      source: 'config',
    });
    expect(book.priceFor('backup', 'openai', 'gpt-4.1')).toMatchObject({
      input: 3,
      cachedInput: null,
      cacheWriteInput: null,
      batchDiscount: null,
      source: 'config',
    });
  });

  it('webhook beats config at equal specificity, but a config provider/model beats a webhook model', () => {
    const book = PriceBook.fromConfig({
      models: { 'gpt-4.1': { input: 1, output: 2 }, 'negotiated/gpt-4.1': { input: 0.5, output: 1 } },
    }).withWebhookPrices([
      override('gpt-4.1', 9),
      { ...override('claude-sonnet-4-5', 3), cacheWriteInput: 4 },
    ]);
    expect(book.priceFor('openai', 'openai', 'gpt-4.1')).toMatchObject({ input: 9, source: 'webhook' });
    expect(book.priceFor('claude', 'anthropic', 'claude-sonnet-4-5')).toMatchObject({
      cacheWriteInput: 4,
      source: 'webhook',
    });
    expect(book.priceFor('negotiated', 'openai', 'gpt-4.1')).toMatchObject({ input: 0.5, source: 'config' });
    const specific = book.withWebhookPrices([override('negotiated/gpt-4.1', 0.4)]);
    expect(specific.priceFor('negotiated', 'openai', 'gpt-4.1')).toMatchObject({
      input: 0.4,
      source: 'webhook',
    });
  });

  it('lets override names cover dated snapshots, the exact id winning over its family', () => {
    const book = PriceBook.fromConfig({
      models: {
        'gpt-4.1': { input: 1, output: 2 },
        'gpt-4.1-2025-04-14': { input: 7, output: 8 },
      },
    });
    expect(book.priceFor('openai', 'openai', 'gpt-4.1-2025-05-01')?.input).toBe(1);
    expect(book.priceFor('openai', 'openai', 'gpt-4.1-2025-04-14')?.input).toBe(7);
  });

  it('has no price for a model nobody priced (an unknown cost, not a zero one)', () => {
    const book = PriceBook.fromConfig({ models: { 'gpt-4.1': { input: 1, output: 2 } } });
    expect(book.priceFor('local', 'openai-compatible', 'llama-3.3-70b')).toBeUndefined();
    expect(book.limitsFor('local', 'openai-compatible', 'llama-3.3-70b')).toBeUndefined();
  });

  it('prices an openai-compatible provider from config even though the built-in table cannot', () => {
    const book = PriceBook.fromConfig({ models: { 'local/llama-3.3-70b': { input: 0.1, output: 0.1 } } });
    expect(book.priceFor('local', 'openai-compatible', 'llama-3.3-70b')).toMatchObject({ source: 'config' });
  });
});

describe('PriceBook swaps and memo', () => {
  it('withWebhookPrices returns a new book and leaves the old one as it was', () => {
    const before = PriceBook.fromConfig(undefined);
    const builtIn = before.priceFor('openai', 'openai', 'gpt-4.1');
    const after = before.withWebhookPrices([override('gpt-4.1', 9)]);
    expect(after).not.toBe(before);
    expect(before.priceFor('openai', 'openai', 'gpt-4.1')).toEqual(builtIn);
    expect(after.priceFor('openai', 'openai', 'gpt-4.1')?.input).toBe(9);
    // The new overrides replace the old ones: what the store lists is all of them.
    expect(after.withWebhookPrices([]).priceFor('openai', 'openai', 'gpt-4.1')).toEqual(builtIn);
  });

  it('answers repeated lookups with the same object and stays correct after the memo fills up', () => {
    const book = PriceBook.fromConfig(undefined);
    const first = book.priceFor('openai', 'openai', 'gpt-4o');
    expect(book.priceFor('openai', 'openai', 'gpt-4o')).toBe(first);
    for (let i = 0; i < MEMO_LIMIT + 10; i++) book.priceFor('openai', 'openai', `unknown-${i}`);
    expect(book.priceFor('openai', 'openai', 'gpt-4o')).toEqual(first);
    expect(book.priceFor('openai', 'openai', 'unknown-1')).toBeUndefined();
  });

  it('gives the model limits from the built-in table', () => {
    const book = PriceBook.fromConfig(undefined);
    expect(book.limitsFor('gem', 'gemini', 'gemini-2.5-flash')).toEqual({
      contextWindow: 1_048_576,
      maxOutputTokens: 65_536,
    });
  });

  it('lists every entry with its source for GET /admin/pricing', () => {
    const book = PriceBook.fromConfig({
      models: { 'claude/claude-sonnet-4-5': { input: 3, output: 15 } },
    }).withWebhookPrices([override('gpt-4.1', 9)]);
    const entries = book.entries();
    expect(entries.find((entry) => entry.name === 'openai:gpt-4.1')?.price.source).toBe('built-in');
    expect(entries.find((entry) => entry.name === 'claude/claude-sonnet-4-5')?.price.source).toBe('config');
    expect(entries.find((entry) => entry.name === 'gpt-4.1')?.price).toMatchObject({
      source: 'webhook',
      asOf: '2026-12-07T00:00:00.000Z',
    });
    const types = new Set(
      entries.filter((e) => e.price.source === 'built-in').map((e) => e.name.split(':')[0]),
    );
    expect([...types].sort()).toEqual(['anthropic', 'deepseek', 'gemini', 'mistral', 'openai', 'qwen']);
  });
});
