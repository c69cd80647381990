/**
 * The control-plane sections of the config (issue 11): tiers, tenants, pricing, alerts and limits.
 * Bad values are refused with their path, as `switchyard check` prints them.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { compileTenant } from '../../src/control-plane/tenant-policy.ts';

const providers = { openai: { type: 'openai', keys: ['k'] } };

function errorsOf(document: Record<string, unknown>): string[] {
  const result = validateConfig({ providers, ...document });
  return result.ok ? [] : result.errors.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('control-plane config sections', () => {
  it('accepts the docs/design.md example with production defaults filled in', () => {
    const result = validateConfig({
      providers,
      models: { smart: { targets: ['openai/gpt-4.1'] } },
      tiers: {
        free: { rate_limit: { rpm: 20, tpm: 40000, concurrent: 4 }, budget: { usd: 1, period: 'day' } },
      },
      tenants: {
        acme: {
          keys: ['sk-sy-acme'],
          tier: 'free',
          rate_limit: { rpm: 600, tpm: 200000, concurrent: 20 },
          budget: { usd: 50, period: 'day', mode: 'hard' },
          models: ['smart'],
        },
      },
      pricing: {
        webhook_secret: 'a-secret-of-sixteen-chars',
        models: {
          'gpt-4.1': { input: 2, output: 8, cached_input: 0.5, batch_discount: 0.5 },
          'claude-sonnet-4-5': { input: 3, output: 15, cached_input: 0.3, cache_write_input: 3.75 },
        },
      },
      alerts: { webhook_url: 'https://hooks.example.com/x' },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // A budget's mode is left to the tenant policy, which merges it with the tier's (hard when no one says).
    expect(result.config.tiers.free?.budget?.mode).toBeUndefined();
    const tier = compileTenant('beta', { tier: 'free' }, result.config.tiers);
    expect(tier.budget).toEqual({ usd: 1, period: 'day', mode: 'hard' });
    expect(result.config.limits).toEqual({
      on_state_failure: 'local',
      state_timeout_ms: 500,
      key_refresh_ms: 2000,
    });
    expect(result.config.alerts.check_interval_s).toBe(60);
    expect(result.config.pricing.models['claude-sonnet-4-5']?.cache_write_input).toBe(3.75);
  });

  it('names the path of negative budgets and limits, unknown tiers and bad prices', () => {
    const errors = errorsOf({
      tiers: { free: { rate_limit: { rpm: -1 } } },
      tenants: {
        acme: { tier: 'gold', budget: { usd: -5, period: 'day' }, rate_limit: { tpm: 0, concurrent: 1.5 } },
        beta: { budget: { usd: 5, period: 'week' } },
      },
      pricing: {
        models: {
          'gpt-4.1': { input: -2, output: 8 },
          'gpt-4o': { input: 2, output: 8, cache_write_input: -1 },
          'ghost/model': { input: 1, output: 1 },
        },
      },
      alerts: { webhook_url: 'not a url' },
      limits: { on_state_failure: 'maybe' },
    });
    const paths = errors.map((line) => line.slice(0, line.indexOf(': ')));
    expect(paths).toEqual(
      expect.arrayContaining([
        'tiers.free.rate_limit.rpm',
        'tenants.acme.tier',
        'tenants.acme.budget.usd',
        'tenants.acme.rate_limit.tpm',
        'tenants.acme.rate_limit.concurrent',
        'tenants.beta.budget.period',
        'pricing.models["gpt-4.1"].input',
        'pricing.models.gpt-4o.cache_write_input',
        'pricing.models["ghost/model"]',
        'alerts.webhook_url',
        'limits.on_state_failure',
      ]),
    );
    expect(errors.find((line) => line.startsWith('tenants.acme.tier'))).toContain('unknown tier "gold"');
  });

  it('refuses a webhook URL the alert sender could not parse, as start would', () => {
    expect(errorsOf({ alerts: { webhook_url: 'http://[bad-host/hook' } })).toEqual([
      'alerts.webhook_url: must be an http:// or https:// URL',
    ]);
  });

  it('checks tier allow-lists like tenant allow-lists', () => {
    const errors = errorsOf({
      models: { smart: { targets: ['openai/gpt-4.1'] } },
      tiers: { t: { models: ['smrt'] } },
    });
    expect(errors.some((line) => line.startsWith('tiers.t.models[0]') && line.includes('did you mean'))).toBe(
      true,
    );
  });
});
