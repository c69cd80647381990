import { describe, expect, it } from 'vitest';
import { BUILT_IN_MODELS, lookupBuiltIn } from '../../src/pricing/built-in.ts';
import { lookupModelInfo } from '../../src/routing/prices.ts';

const PROVIDER_TYPES = ['openai', 'anthropic', 'gemini', 'deepseek', 'qwen', 'mistral'];

describe('the built-in price table', () => {
  it('has rows for every provider type', () => {
    expect([...BUILT_IN_MODELS.keys()].sort()).toEqual([...PROVIDER_TYPES].sort());
    for (const type of PROVIDER_TYPES) expect(BUILT_IN_MODELS.get(type)?.size).toBeGreaterThan(0);
  });

  it('dates every row, links its provider page and says where the figure was read', () => {
    for (const [type, models] of BUILT_IN_MODELS) {
      for (const [model, row] of models) {
        const where = `${type}:${model}`;
        expect(row.asOf, where).toMatch(/^20\d\d(-\d\d(-\d\d)?)?$/);
        expect(new URL(row.url).protocol, where).toBe('https:');
        expect(row.readFrom.length, where).toBeGreaterThan(0);
      }
    }
  });

  it('holds only sane figures: non-negative prices, cached below input, discounts in (0, 1], windows', () => {
    for (const [type, models] of BUILT_IN_MODELS) {
      for (const [model, row] of models) {
        const where = `${type}:${model}`;
        expect(row.input, where).toBeGreaterThan(0);
        expect(row.output, where).toBeGreaterThanOrEqual(row.input);
        if (row.cachedInput !== null) expect(row.cachedInput, where).toBeLessThan(row.input);
        if (row.cacheWriteInput !== null) expect(row.cacheWriteInput, where).toBeGreaterThan(row.input);
        if (row.batchDiscount !== null) expect(row.batchDiscount, where).toBeGreaterThan(0);
        if (row.batchDiscount !== null) expect(row.batchDiscount, where).toBeLessThanOrEqual(1);
        expect(row.contextWindow, where).toBeGreaterThanOrEqual(8_192);
        if (row.maxOutputTokens !== null) expect(row.maxOutputTokens, where).toBeLessThan(row.contextWindow);
      }
    }
  });

  it('carries the docs/providers.md §9 figures', () => {
    expect(lookupBuiltIn('openai', 'gpt-4.1')).toMatchObject({
      input: 2,
      cachedInput: 0.5,
      output: 8,
      batchDiscount: 0.5,
    });
    expect(lookupBuiltIn('anthropic', 'claude-opus-4-5')).toMatchObject({
      input: 5,
      cachedInput: 0.5,
      output: 25,
    });
    expect(lookupBuiltIn('anthropic', 'claude-opus-4-1')).toMatchObject({
      input: 15,
      cacheWriteInput: 18.75,
      output: 75,
    });
    expect(lookupBuiltIn('anthropic', 'claude-sonnet-4-5')).toMatchObject({
      input: 3,
      cacheWriteInput: 3.75,
    });
    expect(lookupBuiltIn('gemini', 'gemini-2.5-flash')).toMatchObject({ input: 0.3, output: 2.5 });
    expect(lookupBuiltIn('deepseek', 'deepseek-chat')).toMatchObject({
      input: 0.27,
      cachedInput: 0.07,
      output: 1.1,
      batchDiscount: null,
    });
    expect(lookupBuiltIn('qwen', 'qwen-flash')).toMatchObject({ input: 0.05, output: 0.4 });
    expect(lookupBuiltIn('mistral', 'codestral')).toMatchObject({ input: 0.3, output: 0.9 });
  });

  it('prices Anthropic cache writes at 1.25× input (5-minute TTL), 2× (1-hour) and no other provider’s', () => {
    for (const [type, models] of BUILT_IN_MODELS) {
      for (const [model, row] of models) {
        const expected = type === 'anthropic' ? Math.round(row.input * 1.25 * 1e6) / 1e6 : null;
        expect(row.cacheWriteInput, `${type}:${model}`).toBe(expected);
        expect(row.cacheWrite1hInput, `${type}:${model}`).toBe(type === 'anthropic' ? row.input * 2 : null);
      }
    }
    expect(lookupBuiltIn('anthropic', 'claude-sonnet-4-5')?.cacheWrite1hInput).toBe(6);
    // docs/providers.md §9 lists the 5-minute write price of each model.
    expect(lookupBuiltIn('anthropic', 'claude-opus-4-5')?.cacheWriteInput).toBe(6.25);
    expect(lookupBuiltIn('anthropic', 'claude-haiku-4-5')?.cacheWriteInput).toBe(1.25);
    expect(lookupBuiltIn('anthropic', 'claude-fable-5')?.cacheWriteInput).toBe(12.5);
    expect(lookupBuiltIn('qwen', 'qwen3-max')?.cacheWriteInput).toBeNull();
  });

  it('finds dated snapshots and aliases under their family', () => {
    expect(lookupBuiltIn('openai', 'gpt-4.1-mini-2025-04-14')).toBe(lookupBuiltIn('openai', 'gpt-4.1-mini'));
    expect(lookupBuiltIn('anthropic', 'claude-sonnet-4-5-20250929')).toBe(
      lookupBuiltIn('anthropic', 'claude-sonnet-4-5'),
    );
    expect(lookupBuiltIn('anthropic', 'claude-sonnet-4-5@20250929')).toBe(
      lookupBuiltIn('anthropic', 'claude-sonnet-4-5'),
    );
    expect(lookupBuiltIn('anthropic', 'claude-opus-4-20250514')).toBe(
      lookupBuiltIn('anthropic', 'claude-opus-4'),
    );
    expect(lookupBuiltIn('mistral', 'mistral-small-latest')).toBe(lookupBuiltIn('mistral', 'mistral-small'));
    expect(lookupBuiltIn('mistral', 'codestral-2508')).toBe(lookupBuiltIn('mistral', 'codestral'));
  });

  it('prefers the longest listed family: claude-opus-4-5-… is not priced as claude-opus-4', () => {
    expect(lookupBuiltIn('anthropic', 'claude-opus-4-5-20251101')?.input).toBe(5);
    expect(lookupBuiltIn('anthropic', 'claude-opus-4-20250514')?.input).toBe(15);
  });

  it('gives a differently named product no price rather than its neighbour’s', () => {
    expect(lookupBuiltIn('openai', 'gpt-5-pro')).toBeUndefined();
    expect(lookupBuiltIn('openai', 'gpt-5.6-sol')).toBeUndefined();
    expect(lookupBuiltIn('openai', 'gpt-4o-audio-preview')).toBeUndefined();
    expect(lookupBuiltIn('gemini', 'gemini-2.5-flash-image')).toBeUndefined();
    expect(lookupBuiltIn('openai', 'claude-sonnet-4-5')).toBeUndefined();
    expect(lookupBuiltIn('openai-compatible', 'gpt-4.1')).toBeUndefined();
  });
});

describe('routing/prices.ts reads the same table', () => {
  it('gives list prices and context windows from the built-in rows', () => {
    const row = lookupBuiltIn('openai', 'gpt-4o-mini');
    expect(lookupModelInfo('openai', 'gpt-4o-mini-2024-07-18')).toEqual({
      inputPerMTokUsd: row?.input,
      outputPerMTokUsd: row?.output,
      contextWindow: row?.contextWindow,
    });
    expect(lookupModelInfo('openai', 'llama-3')).toBeUndefined();
  });
});
