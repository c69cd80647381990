/**
 * The cache key: the same request in any key order is one key; every field that changes the answer,
 * the scope, the model's name and revision, and the moderation in force make another.
 */
import { describe, expect, it } from 'vitest';
import { cacheKey, modelIdentity } from '../../src/cache/cache-key.ts';
import { canonicalJson } from '../../src/cache/canonical-json.ts';
import { compileConfig, resolveModel } from '../../src/config/compile.ts';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';
import { UpstreamPools } from '../../src/transport/pools.ts';
import { testConfig } from '../helpers/gateway.ts';

const base = {
  model: 'smart',
  messages: [{ role: 'user', content: 'Hi' }],
  temperature: 0,
} as ChatRequest;

const key = (request: Record<string, unknown>, scope = 't:acme', revision = 'r1', moderation = 'm1') =>
  cacheKey({ scope, revision, moderation }, request as ChatRequest);

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });
});

describe('cacheKey', () => {
  it('is the same for the same request in another key order', () => {
    const reordered = { temperature: 0, messages: [{ content: 'Hi', role: 'user' }], model: 'smart' };
    expect(key(reordered)).toBe(key(base));
  });

  it('leaves out fields that do not change the answer, and explicit nulls', () => {
    const noisy = {
      ...base,
      stream: true,
      stream_options: { include_usage: true },
      user: 'alice',
      metadata: { trace: '1' },
      store: true,
      top_p: null,
    };
    expect(key(noisy)).toBe(key(base));
  });

  it('changes with every parameter that changes the answer', () => {
    const variants: Array<Record<string, unknown>> = [
      { ...base, temperature: 0.5 },
      { ...base, seed: 1 },
      { ...base, max_tokens: 10 },
      { ...base, stop: ['x'] },
      { ...base, n: 2 },
      { ...base, messages: [{ role: 'user', content: 'Hi!' }] },
      { ...base, messages: [{ role: 'system', content: 'Be brief' }, ...base.messages] },
      { ...base, response_format: { type: 'json_object' } },
      { ...base, tools: [{ type: 'function', function: { name: 'f' } }] },
      { ...base, reasoning_effort: 'low' },
      { ...base, some_new_provider_field: true },
    ];
    const keys = new Set(variants.map((variant) => key(variant)));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key(base))).toBe(false);
  });

  it('differs between scopes, model revisions, moderation settings and model names', () => {
    expect(key(base, 't:acme')).not.toBe(key(base, 't:beta'));
    expect(key(base, 't:acme', 'r1')).not.toBe(key(base, 't:acme', 'r2'));
    expect(key(base, 't:acme', 'r1', 'm1')).not.toBe(key(base, 't:acme', 'r1', 'm2'));
    // Two names of one definition share a revision, not their TTL or moderation overrides.
    expect(key({ ...base, model: 'strict' })).not.toBe(key(base));
  });
});

describe('modelIdentity', () => {
  const providers = {
    openai: { type: 'openai', keys: ['k'], base_url: 'http://127.0.0.1:9/v1' },
    claude: { type: 'anthropic', keys: ['k'], base_url: 'http://127.0.0.1:9' },
  };
  const identity = (models: Record<string, unknown>, name = 'smart', providerSet = providers) => {
    const snapshot = compileConfig(testConfig({ providers: providerSet, models }), new UpstreamPools(), 1);
    const model = resolveModel(snapshot, name);
    if (model === undefined) throw new Error('no model');
    return modelIdentity(snapshot, model);
  };

  it('is stable across compiles of the same definition and lists every target', () => {
    const models = { smart: { targets: ['openai/gpt-4.1', 'claude/claude-sonnet-4-5'] } };
    expect(identity(models)).toEqual(identity(models));
    expect(identity(models).targetIds).toEqual(['openai/gpt-4.1', 'claude/claude-sonnet-4-5']);
  });

  it('changes when the targets, their order, the strategy or a provider base URL change', () => {
    const revision = (models: Record<string, unknown>, providerSet = providers) =>
      identity(models, 'smart', providerSet).revision;
    const original = revision({ smart: { targets: ['openai/gpt-4.1', 'claude/claude-sonnet-4-5'] } });
    expect(revision({ smart: { targets: ['openai/gpt-4.1'] } })).not.toBe(original);
    expect(revision({ smart: { targets: ['claude/claude-sonnet-4-5', 'openai/gpt-4.1'] } })).not.toBe(
      original,
    );
    expect(
      revision({ smart: { strategy: 'cost', targets: ['openai/gpt-4.1', 'claude/claude-sonnet-4-5'] } }),
    ).not.toBe(original);
    expect(
      revision(
        { smart: { targets: ['openai/gpt-4.1', 'claude/claude-sonnet-4-5'] } },
        { ...providers, openai: { ...providers.openai, base_url: 'http://127.0.0.1:10/v1' } },
      ),
    ).not.toBe(original);
  });

  it('gives a provider/model name its one target', () => {
    expect(identity({}, 'openai/gpt-4.1').targetIds).toEqual(['openai/gpt-4.1']);
  });
});
