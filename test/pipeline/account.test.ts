import { describe, expect, it } from 'vitest';
import type { CompiledTarget } from '../../src/config/compile.ts';
import { noteOtherAttempt, priceAnswer } from '../../src/pipeline/account.ts';
import type { RequestContext } from '../../src/pipeline/context.ts';
import { PriceBook } from '../../src/pricing/price-book.ts';

const prices = PriceBook.fromConfig({
  models: { 'dear/m-exp': { input: 1000, output: 1000 }, 'cheap/m-cheap': { input: 1, output: 1 } },
});
const providers = new Map([
  ['dear', { name: 'dear', type: 'openai-compatible' }],
  ['cheap', { name: 'cheap', type: 'openai-compatible' }],
]);
const target = (provider: string, model: string) =>
  ({ provider: providers.get(provider), adapterTarget: { model } }) as unknown as CompiledTarget;
const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

function context(): RequestContext {
  return {
    prices,
    provider: 'cheap',
    upstreamModel: 'm-cheap',
    targetModel: 'm-cheap',
    snapshot: { providers },
    otherAttempts: undefined,
    costUsd: null,
  } as unknown as RequestContext;
}

describe('priceAnswer', () => {
  it("prices a continued stream's broken attempt at its own target's price, the rest at the answer's", () => {
    const ctx = context();
    // The expensive model read 100,000 prompt tokens and wrote one before its stream broke; the cheap
    // one continued with 100,000 prompt and 50,000 completion tokens. The usage holds both.
    noteOtherAttempt(ctx, usage(100_000, 1), target('dear', 'm-exp'));
    ctx.usage = usage(200_000, 50_001);
    priceAnswer(ctx);
    expect(ctx.costUsd).toBeCloseTo((100_001 * 1000 + 150_000 * 1) / 1e6, 9);
  });

  it('leaves an attempt whose price is unknown at the answer price', () => {
    const ctx = context();
    noteOtherAttempt(ctx, usage(10, 10), target('dear', 'unpriced'));
    ctx.usage = usage(20, 20);
    priceAnswer(ctx);
    expect(ctx.costUsd).toBeCloseTo(40 / 1e6, 12);
  });
});
