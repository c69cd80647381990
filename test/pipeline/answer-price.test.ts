import { describe, expect, it } from 'vitest';
import { answerPrice } from '../../src/pipeline/answer-price.ts';
import type { RequestContext } from '../../src/pipeline/context.ts';
import { PriceBook } from '../../src/pricing/price-book.ts';

const prices = PriceBook.fromConfig({
  models: {
    'azure/my-deployment': { input: 5, output: 20 },
    'azure/reported-elsewhere': { input: 1, output: 1 },
  },
});

function ctx(upstreamModel: string, targetModel: string): RequestContext {
  return {
    prices,
    provider: 'azure',
    upstreamModel,
    targetModel,
    snapshot: { providers: new Map([['azure', { type: 'openai-compatible' }]]) },
  } as unknown as RequestContext;
}

describe('answerPrice', () => {
  it('prices the model the answer names, else the target it was sent to (never an unknown cost)', () => {
    expect(answerPrice(ctx('reported-elsewhere', 'my-deployment'))?.input).toBe(1);
    // A deployment priced under its configured name that answers under its underlying model's.
    expect(answerPrice(ctx('some-underlying-model', 'my-deployment'))?.input).toBe(5);
    expect(answerPrice(ctx('some-underlying-model', 'unpriced'))).toBeUndefined();
  });
});
