import { describe, expect, it } from 'vitest';
import { compileKeyPolicy, compileTenant } from '../../src/control-plane/tenant-policy.ts';

const tiers = {
  free: {
    rate_limit: { rpm: 20, tpm: 40_000, concurrent: 4 },
    budget: { usd: 1, period: 'day' as const, mode: 'hard' as const },
  },
  pro: { rate_limit: { rpm: 600 }, models: ['smart', 'fast'] },
  trial: { budget: { usd: 100, period: 'day' as const, mode: 'soft' as const } },
};

describe('tenant policy', () => {
  it("inherits the tier's values field by field, the tenant's own winning", () => {
    const tenant = compileTenant('acme', { tier: 'free', rate_limit: { rpm: 100 } }, tiers);
    expect(tenant).toMatchObject({ rpm: 100, tpm: 40_000, concurrent: 4, scope: 't:acme', limited: true });
    expect(tenant.budget).toEqual({ usd: 1, period: 'day', mode: 'hard' });
  });

  it("takes the tier's budget mode when the tenant's own budget names none, and hard when neither does", () => {
    const own = { usd: 0.01, period: 'day' as const };
    expect(compileTenant('a', { tier: 'trial', budget: own }, tiers).budget).toEqual({
      ...own,
      mode: 'soft',
    });
    expect(compileTenant('b', { tier: 'trial', budget: { ...own, mode: 'hard' } }, tiers).budget?.mode).toBe(
      'hard',
    );
    expect(compileTenant('c', { budget: own }, tiers).budget?.mode).toBe('hard');
    expect(compileTenant('d', { tier: 'pro', budget: own }, tiers).budget?.mode).toBe('hard');
    // A key's tier is applied on top of its tenant's values: a tier budget without a mode keeps the tenant's.
    const soft = compileTenant('e', { budget: { ...own, mode: 'soft' } }, tiers);
    const tiers2 = { ...tiers, capped: { budget: { usd: 2, period: 'month' as const } } };
    const key = compileKeyPolicy(soft, { id: 'key_3', tier: 'capped', models: null }, tiers2);
    expect(key.budget).toEqual({ usd: 2, period: 'month', mode: 'soft' });
  });

  it('is unlimited without limits or budget, so admission skips the state store', () => {
    expect(compileTenant('open', {}, tiers).limited).toBe(false);
  });

  it("gives a key with a tier its own scope and that tier's limits, and narrows models", () => {
    const tenant = compileTenant('acme', { models: ['smart', 'cheap'], rate_limit: { tpm: 9 } }, tiers);
    const key = compileKeyPolicy(tenant, { id: 'key_1', tier: 'pro', models: null }, tiers);
    expect(key).toMatchObject({ scope: 'k:key_1', rpm: 600, tpm: 9 });
    expect([...(key.models ?? [])]).toEqual(['smart']);
  });

  it('returns the tenant itself for a key with neither tier nor models', () => {
    const tenant = compileTenant('acme', {}, tiers);
    expect(compileKeyPolicy(tenant, { id: 'key_2', tier: null, models: null }, tiers)).toBe(tenant);
    expect(tenant.keyId).toBeNull();
  });

  // Batch audit #2: a batch job records the key whose own policy its lines are held to.
  it('names the key whose tier or model list the policy carries', () => {
    const tenant = compileTenant('acme', {}, tiers);
    expect(compileKeyPolicy(tenant, { id: 'key_t', tier: 'free', models: null }, tiers).keyId).toBe('key_t');
    expect(compileKeyPolicy(tenant, { id: 'key_m', tier: null, models: ['smart'] }, tiers).keyId).toBe(
      'key_m',
    );
  });
});
