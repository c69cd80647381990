import { describe, expect, it } from 'vitest';
import { UnknownPriceAlerts, unknownPriceAlert } from '../../src/alerts/unknown-price.ts';

describe('unknown-price alerts', () => {
  it('builds the alert the first time a provider/model is reported, then nothing', () => {
    const alerts = new UnknownPriceAlerts();
    const first = alerts.check('openai', 'gpt-9', 1000);
    expect(first).toEqual({
      kind: 'unknown_price',
      condition: 'unknown_price:openai/gpt-9',
      period: 'once',
      message: expect.stringContaining('openai/gpt-9'),
      tenant: null,
      details: { provider: 'openai', model: 'gpt-9' },
      at: 1000,
    });
    expect(alerts.check('openai', 'gpt-9', 2000)).toBeUndefined();
    expect(alerts.check('claude', 'gpt-9', 2000)?.condition).toBe('unknown_price:claude/gpt-9');
  });

  it('keeps one process-wide memory behind unknownPriceAlert', () => {
    expect(unknownPriceAlert('mistral', 'unpriced-test-model', 5)?.period).toBe('once');
    expect(unknownPriceAlert('mistral', 'unpriced-test-model', 6)).toBeUndefined();
  });

  it('stays bounded: past its cap it raises no more alerts, so distinct client names cannot flood them (issue 10)', () => {
    const alerts = new UnknownPriceAlerts();
    let raised = 0;
    for (let i = 0; i < 10_000; i++) if (alerts.check('p', `m${i}`, 0) !== undefined) raised++;
    expect(raised).toBe(200);
    expect(alerts.check('p', 'm0', 0)).toBeUndefined();
  });
});
