import { describe, expect, it } from 'vitest';
import { GuardrailsPolicy } from '../../src/guardrails/policy.ts';
import { testConfig } from '../helpers/gateway.ts';

describe('guardrails policy', () => {
  it('defaults to flag and local moderation that blocks, softening S6, S8 and S13 to flag', () => {
    const config = testConfig({ providers: { p: { type: 'openai', keys: ['k'] } } });
    const policy = new GuardrailsPolicy(config.guardrails, undefined);
    expect(policy.injection).toBe('flag');
    const moderation = policy.moderationFor('p/gpt-4.1', 'openai');
    expect(moderation.backend).toBe('local');
    expect(moderation.actions.get('S1')).toBe('block');
    expect(moderation.actions.get('S6')).toBe('flag');
    expect(moderation.failClosed).toBe(true);
  });

  it('passes streams through only when no verdict can withhold text (every category flags, local check)', () => {
    const providers = {
      p: { type: 'openai', keys: ['k'] },
      guard: { type: 'openai-compatible', keys: ['g'], base_url: 'http://127.0.0.1:1/v1' },
    };
    const moderation = (guardrails: Record<string, unknown>) =>
      new GuardrailsPolicy(testConfig({ providers, guardrails }).guardrails, undefined).moderationFor(
        'x',
        'openai',
      );
    expect(moderation({}).passThrough).toBe(false);
    expect(moderation({ moderation: { action: 'flag' } }).passThrough).toBe(true);
    expect(moderation({ moderation: { action: 'flag', categories: { S1: 'redact' } } }).passThrough).toBe(
      false,
    );
    expect(
      moderation({ moderation: { backend: 'llama-guard', target: 'guard/llama-guard-3', action: 'flag' } })
        .passThrough,
    ).toBe(false);
  });

  it('is stricter for provider types with weaker native filters', () => {
    const config = testConfig({ providers: { p: { type: 'openai', keys: ['k'] } } });
    const policy = new GuardrailsPolicy(config.guardrails, undefined);
    expect(policy.moderationFor('x', 'mistral').actions.get('S6')).toBe('block');
    expect(policy.moderationFor('x', 'deepseek').actions.get('S13')).toBe('block');
  });

  it('layers section, model and tenant, in that order', () => {
    const config = testConfig({
      providers: {
        p: { type: 'openai', keys: ['k'] },
        guard: { type: 'openai-compatible', keys: ['g'], base_url: 'http://127.0.0.1:1/v1' },
      },
      guardrails: {
        injection: 'strip',
        moderation: {
          action: 'redact',
          categories: { S7: 'flag' },
          models: { chat: { backend: 'llama-guard', target: 'guard/lg', categories: { S1: 'flag' } } },
        },
      },
    });
    const plain = new GuardrailsPolicy(config.guardrails, undefined);
    expect(plain.injection).toBe('strip');
    expect(plain.moderationFor('other', 'openai').actions.get('S2')).toBe('redact');
    expect(plain.moderationFor('other', 'openai').actions.get('S7')).toBe('flag');
    const model = plain.moderationFor('chat', 'openai');
    expect([model.backend, model.target, model.actions.get('S1')]).toEqual([
      'llama-guard',
      'guard/lg',
      'flag',
    ]);
    const tenant = new GuardrailsPolicy(config.guardrails, {
      injection: 'block',
      moderation: { backend: 'off' },
    });
    expect(tenant.injection).toBe('block');
    expect(tenant.moderationFor('chat', 'openai').backend).toBe('off');
  });

  it('requires a remote backend to name a configured provider of the right type', () => {
    const providers = {
      p: { type: 'openai', keys: ['k'] },
      c: { type: 'openai-compatible', keys: ['k'], base_url: 'http://127.0.0.1:1/v1' },
    };
    expect(() => testConfig({ providers, guardrails: { moderation: { backend: 'llama-guard' } } })).toThrow(
      /target/,
    );
    expect(() =>
      testConfig({ providers, guardrails: { moderation: { backend: 'llama-guard', target: 'q/lg' } } }),
    ).toThrow(/not configured/);
    expect(() =>
      testConfig({
        providers,
        guardrails: { moderation: { backend: 'openai', target: 'c/omni-moderation-latest' } },
      }),
    ).toThrow(/openai/);
    expect(() =>
      testConfig({
        providers,
        tenants: { t: { keys: ['k1'], guardrails: { moderation: { backend: 'openai', target: 'x/y' } } } },
      }),
    ).toThrow(/not configured/);
    expect(
      testConfig({
        providers,
        guardrails: { moderation: { backend: 'openai', target: 'p/omni-moderation-latest' } },
      }).guardrails.moderation.backend,
    ).toBe('openai');
  });

  it('rejects a misspelt setting instead of ignoring it', () => {
    expect(() =>
      testConfig({ providers: { p: { type: 'openai', keys: ['k'] } }, guardrails: { injection: 'blok' } }),
    ).toThrow();
    expect(() =>
      testConfig({ providers: { p: { type: 'openai', keys: ['k'] } }, guardrails: { moderaton: {} } }),
    ).toThrow();
  });
});
