/**
 * The policy a batch job's lines are held to (KeyRegistry.policyOf, batch audit #2): that of the store
 * key that created the job, its tier over a runtime tenant's settings, kept once the key is revoked;
 * the tenant's own without a key or for a key not known here.
 */
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { compileConfig } from '../../src/config/compile.ts';
import { KeyRegistry } from '../../src/control-plane/key-registry.ts';
import type { VirtualKeyRecord } from '../../src/store/types.ts';
import { UpstreamPools } from '../../src/transport/pools.ts';
import { testConfig } from '../helpers/gateway.ts';

const pools = new UpstreamPools();
afterAll(() => pools.destroy());

const snapshot = compileConfig(
  testConfig({
    providers: { openai: { type: 'openai', keys: ['sk-a'], base_url: 'http://127.0.0.1:9/v1' } },
    models: { smart: { targets: ['openai/gpt-4.1'] }, other: { targets: ['openai/gpt-4.1-mini'] } },
    tiers: { free: { budget: { usd: 1, period: 'day', mode: 'hard' } } },
    tenants: { acme: { keys: ['sk-sy-acme'] } },
  }),
  pools,
  1,
);

function key(id: string, tenant: string, fields: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  return {
    id,
    keyHash: `hash-${id}`,
    keyHint: 'abcd',
    tenant,
    tier: null,
    models: null,
    name: null,
    createdAt: 0,
    revokedAt: null,
    ...fields,
  };
}

describe('KeyRegistry.policyOf', () => {
  const registry = new KeyRegistry(undefined, pino({ level: 'silent' }));
  registry.setTenant({
    name: 'runtime',
    tier: null,
    settings: { budget: { usd: 5, period: 'day', mode: 'hard' }, models: ['smart', 'other'] },
    createdAt: 0,
    updatedAt: 0,
  });
  registry.apply(key('key_free', 'acme', { tier: 'free' }));
  registry.apply(key('key_narrow', 'runtime', { models: ['smart'] }));

  it("is a runtime tenant's own policy for a job created without a key of its own", () => {
    const policy = registry.policyOf('runtime', null, snapshot);
    expect(policy).toMatchObject({ name: 'runtime', scope: 't:runtime', keyId: null });
    expect(policy?.budget).toEqual({ usd: 5, period: 'day', mode: 'hard' });
    expect([...(policy?.models ?? [])]).toEqual(['smart', 'other']);
  });

  it("is the key's policy, as its live requests get it: its tier's budget under its scope, its models", () => {
    expect(registry.policyOf('acme', 'key_free', snapshot)).toMatchObject({
      scope: 'k:key_free',
      budget: { usd: 1, period: 'day', mode: 'hard' },
    });
    expect([...(registry.policyOf('runtime', 'key_narrow', snapshot)?.models ?? [])]).toEqual(['smart']);
    expect(registry.policyOf('acme', 'key_free', snapshot)).toBe(registry.lookup('hash-key_free', snapshot));
  });

  it('keeps the policy of a key revoked since, and falls back to the tenant for a key it does not know', () => {
    registry.apply(key('key_free', 'acme', { tier: 'free', revokedAt: 1 }));
    expect(registry.lookup('hash-key_free', snapshot)).toBeUndefined();
    expect(registry.policyOf('acme', 'key_free', snapshot)).toMatchObject({ scope: 'k:key_free' });
    expect(registry.policyOf('acme', 'key_unknown', snapshot)).toBe(snapshot.tenantsByName.get('acme'));
    // A key of another tenant never lends its policy.
    expect(registry.policyOf('acme', 'key_narrow', snapshot)).toBe(snapshot.tenantsByName.get('acme'));
    expect(registry.policyOf('gone', null, snapshot)).toBeUndefined();
  });
});
