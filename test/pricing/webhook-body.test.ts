import { describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_MODELS, parsePricingBody } from '../../src/pricing/webhook-body.ts';

const nowMs = Date.UTC(2026, 11, 7);

describe('parsePricingBody', () => {
  it('turns the body into overrides stamped with the time', () => {
    const raw = Buffer.from(
      JSON.stringify({
        models: {
          'gpt-4.1': { input: 2, output: 8, cached_input: 0.5, batch_discount: 0.5 },
          'claude/claude-sonnet-4-5': {
            input: 3,
            output: 15,
            cache_write_input: 3.75,
            cache_write_1h_input: 6,
          },
        },
      }),
    );
    expect(parsePricingBody(raw, nowMs)).toEqual({
      ok: true,
      overrides: [
        {
          name: 'gpt-4.1',
          input: 2,
          output: 8,
          cachedInput: 0.5,
          cacheWriteInput: null,
          cacheWrite1hInput: null,
          batchDiscount: 0.5,
          updatedAt: nowMs,
        },
        {
          name: 'claude/claude-sonnet-4-5',
          input: 3,
          output: 15,
          cachedInput: null,
          cacheWriteInput: 3.75,
          cacheWrite1hInput: 6,
          batchDiscount: null,
          updatedAt: nowMs,
        },
      ],
    });
  });

  it('refuses bad input with a message and the path of the first problem', () => {
    const cases: Array<[string, string | null]> = [
      ['not json', null],
      ['[]', null],
      ['{}', 'models'],
      ['{"models":{"gpt-4.1":{"input":-1,"output":8}}}', 'models["gpt-4.1"].input'],
      ['{"models":{"gpt-4.1":{"input":"2","output":8}}}', 'models["gpt-4.1"].input'],
      ['{"models":{"gpt-4.1":{"input":2}}}', 'models["gpt-4.1"].output'],
      ['{"models":{"gpt-4.1":{"input":2,"output":8,"cache_input":1}}}', 'models["gpt-4.1"]'],
      [
        '{"models":{"gpt-4.1":{"input":2,"output":8,"cache_write_input":-1}}}',
        'models["gpt-4.1"].cache_write_input',
      ],
      [
        '{"models":{"gpt-4.1":{"input":2,"output":8,"batch_discount":1.5}}}',
        'models["gpt-4.1"].batch_discount',
      ],
      ['{"models":{"":{"input":2,"output":8}}}', 'models[""]'],
      ['{"models":{},"extra":1}', null],
      ['{"models":{"gpt-4.1":{"input":1e999,"output":8}}}', 'models["gpt-4.1"].input'],
    ];
    for (const [raw, param] of cases) {
      const result = parsePricingBody(raw, nowMs);
      expect(result.ok, raw).toBe(false);
      if (!result.ok) {
        if (param !== null) expect(result.param, raw).toBe(param);
        expect(result.message.length, raw).toBeGreaterThan(0);
      }
    }
  });

  it('bounds the number of models in one request', () => {
    const models: Record<string, { input: number; output: number }> = {};
    for (let i = 0; i <= MAX_WEBHOOK_MODELS; i++) models[`m-${i}`] = { input: 1, output: 1 };
    const result = parsePricingBody(JSON.stringify({ models }), nowMs);
    expect(result).toMatchObject({ ok: false, param: 'models' });
  });
});
