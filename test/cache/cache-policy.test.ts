/**
 * Which requests the cache reads and writes: modes, the deterministic rule, request headers, per-model
 * TTLs, log probabilities, and the scope a tenant reads.
 */
import { describe, expect, it } from 'vitest';
import { cachePolicyFor, cacheScope, decideCache } from '../../src/cache/cache-policy.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';
import { thrown } from '../helpers/thrown.ts';
import { testConfig } from '../helpers/gateway.ts';

const providers = { openai: { type: 'openai', keys: ['k'], base_url: 'http://127.0.0.1:9/v1' } };
const policy = (cache: Record<string, unknown> = {}) => cachePolicyFor(testConfig({ providers, cache }));
const request = (fields: Record<string, unknown> = {}) =>
  ({ model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'Hi' }], ...fields }) as ChatRequest;

describe('decideCache', () => {
  it('in deterministic mode (the default) caches temperature 0 or a seed, nothing else', () => {
    const deterministic = policy();
    expect(deterministic.mode).toBe('deterministic');
    expect(decideCache(deterministic, request({ temperature: 0 }), {})).toEqual({
      read: true,
      write: true,
      ttlMs: 3_600_000,
    });
    expect(decideCache(deterministic, request({ temperature: 1, seed: 7 }), {})).toMatchObject({
      read: true,
      write: true,
    });
    expect(decideCache(deterministic, request(), {})).toEqual({ read: false, write: false });
    expect(decideCache(deterministic, request({ temperature: 0.2 }), {})).toEqual({
      read: false,
      write: false,
    });
    expect(decideCache(deterministic, request({ seed: null }), {})).toEqual({ read: false, write: false });
  });

  it('opts a request in with x-switchyard-cache: force, unless the mode is off', () => {
    expect(
      decideCache(policy(), request({ temperature: 1 }), { 'x-switchyard-cache': 'Force' }),
    ).toMatchObject({
      write: true,
    });
    expect(
      decideCache(policy({ mode: 'off' }), request({ temperature: 0 }), { 'x-switchyard-cache': 'force' }),
    ).toEqual({ read: false, write: false });
  });

  it('caches every request in mode all', () => {
    expect(decideCache(policy({ mode: 'all' }), request({ temperature: 1.3 }), {})).toMatchObject({
      read: true,
      write: true,
    });
  });

  it('honours Cache-Control no-store and no-cache among other directives', () => {
    const on = policy({ mode: 'all' });
    expect(decideCache(on, request(), { 'cache-control': 'no-store' })).toEqual({
      read: false,
      write: false,
    });
    expect(decideCache(on, request(), { 'cache-control': 'max-age=0, No-Cache' })).toMatchObject({
      read: false,
      write: true,
    });
    expect(decideCache(on, request(), { 'cache-control': 'max-age=60' })).toMatchObject({
      read: true,
      write: true,
    });
    expect(decideCache(on, request(), { 'cache-control': 'no-cache-please' })).toMatchObject({ read: true });
  });

  it('refuses an x-switchyard-cache header it does not understand with a 400', () => {
    const error = thrown(() => decideCache(policy(), request(), { 'x-switchyard-cache': 'always' }));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_cache_directive' });
  });

  it('takes a model TTL over the global one; 0 keeps the model out', () => {
    const custom = policy({ mode: 'all', ttl_s: 60, model_ttl_s: { 'openai/gpt-4.1': 5, smart: 0 } });
    expect(decideCache(custom, request(), {})).toMatchObject({ ttlMs: 5000 });
    expect(decideCache(custom, request({ model: 'smart' }), {})).toEqual({ read: false, write: false });
    expect(decideCache(custom, request({ model: 'other' }), {})).toMatchObject({ ttlMs: 60_000 });
  });

  it('never caches a request for log probabilities', () => {
    expect(decideCache(policy({ mode: 'all' }), request({ logprobs: true }), {})).toEqual({
      read: false,
      write: false,
    });
  });
});

describe('cacheScope', () => {
  it('keeps each tenant apart unless a shared scope lists it', () => {
    const shared = policy({ shared_scopes: { team: ['acme', 'beta'] } });
    expect(cacheScope(shared, 'acme')).toBe(cacheScope(shared, 'beta'));
    expect(cacheScope(shared, 'gamma')).not.toBe(cacheScope(shared, 'acme'));
    expect(cacheScope(shared, 'gamma')).not.toBe(cacheScope(shared, 'delta'));
    expect(cacheScope(shared, undefined)).toBe('-');
  });
});

describe('the cache section', () => {
  it('refuses a tenant in two shared scopes and unknown keys', () => {
    expect(() => policy({ shared_scopes: { a: ['acme'], b: ['acme'] } })).toThrow(/shared scope/);
    expect(() => policy({ ttl: 5 })).toThrow(/unknown key/);
    expect(() => policy({ mode: 'sometimes' })).toThrow(/mode/);
  });
});
