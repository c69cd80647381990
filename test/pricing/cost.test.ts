import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costOfUsage, costUsageFromUsage, costUsd } from '../../src/pricing/cost.ts';
import type { Price } from '../../src/pricing/types.ts';
import type { Usage } from '../../src/protocol/chat-response.ts';

const price = (fields: Partial<Price> = {}): Price => ({
  input: 2,
  output: 8,
  cachedInput: 0.5,
  cacheWriteInput: 2.5,
  cacheWrite1hInput: 4,
  batchDiscount: 0.5,
  source: 'config',
  asOf: null,
  url: null,
  ...fields,
});

describe('costUsd', () => {
  it('bills uncached prompt at input, cached at cached_input and completion at output', () => {
    // (1000 − 400) × 2 + 400 × 0.5 + 500 × 8 = 1200 + 200 + 4000 = 5400 per 1M
    expect(
      costUsd({ promptTokens: 1000, cachedTokens: 400, cacheWriteTokens: 0, completionTokens: 500 }, price()),
    ).toBeCloseTo(0.0054, 12);
  });

  it('bills cache writes at cache_write_input, the rest of the prompt at input', () => {
    // (1000 − 400 − 300) × 2 + 400 × 0.5 + 300 × 2.5 + 500 × 8 = 600 + 200 + 750 + 4000 = 5550 per 1M
    const usage = { promptTokens: 1000, cachedTokens: 400, cacheWriteTokens: 300, completionTokens: 500 };
    expect(costUsd(usage, price())).toBeCloseTo(0.00555, 12);
  });

  it('bills cache writes at the input price when no cache-write price is known', () => {
    const usage = { promptTokens: 1000, cachedTokens: 0, cacheWriteTokens: 1000, completionTokens: 0 };
    expect(costUsd(usage, price({ cacheWriteInput: null }))).toBeCloseTo(0.002, 12);
  });

  it('never bills more written tokens than the prompt has left after cache reads', () => {
    // 600 written reported but only 1000 − 400 = 600 left: (0 × 2 + 400 × 0.5 + 600 × 2.5) per 1M.
    const usage = { promptTokens: 1000, cachedTokens: 400, cacheWriteTokens: 5000, completionTokens: 0 };
    expect(costUsd(usage, price())).toBeCloseTo((400 * 0.5 + 600 * 2.5) / 1e6, 12);
    expect(
      costUsd({ promptTokens: 10, cachedTokens: 10, cacheWriteTokens: 10, completionTokens: 0 }, price()),
    ).toBeCloseTo((10 * 0.5) / 1e6, 12);
    expect(
      costUsd({ promptTokens: 10, cachedTokens: 0, cacheWriteTokens: -10, completionTokens: 0 }, price()),
    ).toBeCloseTo((10 * 2) / 1e6, 12);
  });

  it('prices the audit case: 2,906 tokens written on claude-sonnet-4-5 at 1.25× input', () => {
    // Anthropic usage {input_tokens: 12, cache_creation_input_tokens: 2906, output_tokens: 32}, normalized.
    const usage = costUsageFromUsage({
      prompt_tokens: 2918,
      completion_tokens: 32,
      total_tokens: 2950,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 2906 },
    });
    expect(usage.cacheWriteTokens).toBe(2906);
    const sonnet = price({ input: 3, output: 15, cachedInput: 0.3, cacheWriteInput: 3.75 });
    // Before: every written token billed as input, (2918 × 3 + 32 × 15) / 1e6.
    expect(costUsd(usage, { ...sonnet, cacheWriteInput: null })).toBeCloseTo(0.009234, 12);
    // After: (12 × 3 + 2906 × 3.75 + 32 × 15) / 1e6.
    expect(costUsd(usage, sonnet)).toBeCloseTo(0.0114135, 12);
  });

  it('bills cache writes with a 1-hour TTL at cache_write_1h_input, the rest of the writes at cache_write_input', () => {
    // Anthropic usage {input_tokens: 12, cache_creation_input_tokens: 2906, cache_creation:
    // {ephemeral_5m_input_tokens: 906, ephemeral_1h_input_tokens: 2000}, output_tokens: 32}, normalized.
    const usage = costUsageFromUsage({
      prompt_tokens: 2918,
      completion_tokens: 32,
      total_tokens: 2950,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 2906, cache_write_1h_tokens: 2000 },
    } as Usage);
    expect(usage.cacheWrite1hTokens).toBe(2000);
    const sonnet = price({
      input: 3,
      output: 15,
      cachedInput: 0.3,
      cacheWriteInput: 3.75,
      cacheWrite1hInput: 6,
    });
    // (12 × 3 + 906 × 3.75 + 2000 × 6 + 32 × 15) / 1e6
    expect(costUsd(usage, sonnet)).toBeCloseTo(0.0159135, 12);
    // No 1-hour price: those writes at the cache-write price, then at input.
    expect(costUsd(usage, { ...sonnet, cacheWrite1hInput: null })).toBeCloseTo(0.0114135, 12);
    expect(costUsd(usage, { ...sonnet, cacheWrite1hInput: null, cacheWriteInput: null })).toBeCloseTo(
      0.009234,
      12,
    );
    // More 1-hour writes than writes (a broken upstream) bill no token twice.
    expect(costUsd({ ...usage, cacheWrite1hTokens: 9999 }, sonnet)).toBeCloseTo(
      (12 * 3 + 2906 * 6 + 32 * 15) / 1e6,
      12,
    );
  });

  it('counts reasoning tokens once, as part of completion_tokens', () => {
    const usage = costUsageFromUsage({
      prompt_tokens: 100,
      completion_tokens: 300,
      total_tokens: 400,
      completion_tokens_details: { reasoning_tokens: 250 },
    });
    expect(usage).toEqual({
      promptTokens: 100,
      completionTokens: 300,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
    });
    expect(costUsd(usage, price())).toBeCloseTo((100 * 2 + 300 * 8) / 1e6, 12);
  });

  it('reads cached and written tokens from prompt_tokens_details', () => {
    const usage = costUsageFromUsage({
      prompt_tokens: 2048,
      completion_tokens: 10,
      total_tokens: 2058,
      prompt_tokens_details: { cached_tokens: 2000, cache_write_tokens: 40 },
    });
    expect(usage.cachedTokens).toBe(2000);
    expect(usage.cacheWriteTokens).toBe(40);
  });

  it('bills cached tokens at the input price when no cached price is known', () => {
    const usage = { promptTokens: 1000, cachedTokens: 1000, cacheWriteTokens: 0, completionTokens: 0 };
    expect(costUsd(usage, price({ cachedInput: null }))).toBeCloseTo(0.002, 12);
  });

  it('applies the batch discount to batch lines only, and not at all when none is known', () => {
    const usage = { promptTokens: 1000, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: 1000 };
    expect(costUsd(usage, price(), true)).toBeCloseTo(costUsd(usage, price()) * 0.5, 12);
    expect(costUsd(usage, price({ batchDiscount: null }), true)).toBe(costUsd(usage, price()));
  });

  it('never goes negative on a broken usage (negative counts, more cached than prompt)', () => {
    expect(
      costUsd({ promptTokens: -5, cachedTokens: -1, cacheWriteTokens: -3, completionTokens: -9 }, price()),
    ).toBe(0);
    expect(
      costUsd({ promptTokens: 10, cachedTokens: 50, cacheWriteTokens: 0, completionTokens: 0 }, price()),
    ).toBeCloseTo((10 * 0.5) / 1e6, 12);
  });

  it('is null, never zero, when the price or the usage is unknown', () => {
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    expect(costOfUsage(usage, undefined)).toBeNull();
    expect(costOfUsage(undefined, price())).toBeNull();
    expect(costOfUsage(usage, price())).toBeCloseTo(10 / 1e6, 12);
  });
});

describe('costUsd properties', () => {
  const counts = fc.integer({ min: 0, max: 10_000_000 });
  const usd = fc.double({ min: 0, max: 1_000, noNaN: true, noDefaultInfinity: true });
  const usage = fc
    .tuple(counts, counts, counts, counts)
    .map(([prompt, cachedShare, writtenShare, completion]) => {
      const cachedTokens = cachedShare % (prompt + 1);
      return {
        promptTokens: prompt,
        cachedTokens,
        cacheWriteTokens: writtenShare % (prompt - cachedTokens + 1),
        completionTokens: completion,
      };
    });
  const prices = fc.record({
    input: usd,
    output: usd,
    cachedInput: fc.option(usd, { nil: null }),
    cacheWriteInput: fc.option(usd, { nil: null }),
    cacheWrite1hInput: fc.option(usd, { nil: null }),
    batchDiscount: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  });

  it('is non-negative and finite for any valid usage and price', () => {
    fc.assert(
      fc.property(usage, prices, fc.boolean(), (u, p, batch) => {
        const cost = costUsd(u, price(p), batch);
        return Number.isFinite(cost) && cost >= 0;
      }),
    );
  });

  it('is linear: the cost of two usages together is the sum of their costs', () => {
    fc.assert(
      fc.property(usage, usage, prices, fc.boolean(), (a, b, p, batch) => {
        const together = costUsd(
          {
            promptTokens: a.promptTokens + b.promptTokens,
            cachedTokens: a.cachedTokens + b.cachedTokens,
            cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
            completionTokens: a.completionTokens + b.completionTokens,
          },
          price(p),
          batch,
        );
        const apart = costUsd(a, price(p), batch) + costUsd(b, price(p), batch);
        return Math.abs(together - apart) <= 1e-9 * Math.max(1, apart);
      }),
    );
  });

  it('scales with the token counts', () => {
    fc.assert(
      fc.property(usage, prices, fc.integer({ min: 0, max: 100 }), (u, p, k) => {
        const scaled = costUsd(
          {
            promptTokens: u.promptTokens * k,
            cachedTokens: u.cachedTokens * k,
            cacheWriteTokens: u.cacheWriteTokens * k,
            completionTokens: u.completionTokens * k,
          },
          price(p),
        );
        const expected = costUsd(u, price(p)) * k;
        return Math.abs(scaled - expected) <= 1e-9 * Math.max(1, expected);
      }),
    );
  });
});
