/**
 * Issue 3, "virtual models and provider/model names resolved to targets" (docs/design.md §1: any
 * "provider/model" also works as a model name: that one target, no fallback).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/config/compile.ts';
import { type Compiled, compile } from '../routing/fixtures.ts';

const compiled: Compiled = compile({
  providers: {
    openai: { type: 'openai', keys: ['sk-o'] },
    claude: { type: 'anthropic', keys: ['sk-a'] },
    router: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' },
    listed: { type: 'openai', keys: ['sk-l'], models: ['gpt-4.1'] },
  },
  models: {
    smart: { strategy: 'fallback', targets: ['claude/claude-sonnet-4-5', 'openai/gpt-4.1'] },
  },
});
const { snapshot } = compiled;

afterAll(async () => {
  await compiled.close();
});

const targets = (name: string) =>
  resolveModel(snapshot, name)?.targets.map((target) => [target.provider.name, target.adapterTarget.model]);

describe('resolveModel', () => {
  it('resolves a virtual model to its targets, in order, with its strategy', () => {
    const model = resolveModel(snapshot, 'smart');
    expect(model?.virtual).toBe(true);
    expect(model?.strategy).toBe('fallback');
    expect(targets('smart')).toEqual([
      ['claude', 'claude-sonnet-4-5'],
      ['openai', 'gpt-4.1'],
    ]);
  });

  it('resolves provider/model to that one target, with no fallback', () => {
    const model = resolveModel(snapshot, 'openai/gpt-4.1-mini');
    expect(model?.virtual).toBe(false);
    expect(model?.targets).toHaveLength(1);
    expect(targets('openai/gpt-4.1-mini')).toEqual([['openai', 'gpt-4.1-mini']]);
    expect(model?.targets[0]?.id).toBe('openai/gpt-4.1-mini');
  });

  it('splits at the first slash, so upstream model ids may hold slashes', () => {
    expect(targets('router/meta-llama/Llama-3.3-70B-Instruct')).toEqual([
      ['router', 'meta-llama/Llama-3.3-70B-Instruct'],
    ]);
  });

  it('returns the same compiled model for a name that answered, so routing state is not rebuilt per request', () => {
    const first = resolveModel(snapshot, 'openai/gpt-4o');
    const target = first?.targets[0]?.runtime;
    if (target === undefined) throw new Error('no target');
    // Not yet known to answer: a per-request view, not kept (a made-up name must leave nothing).
    expect(target.registered).toBe(false);
    expect(resolveModel(snapshot, 'openai/gpt-4o')).not.toBe(first);
    compiled.runtime.recordHealth(target, true, 12, false, compiled.clock.now);
    expect(target.registered).toBe(true);
    const kept = resolveModel(snapshot, 'openai/gpt-4o');
    expect(kept?.targets[0]?.runtime).toBe(target);
    expect(resolveModel(snapshot, 'openai/gpt-4o')).toBe(kept);
  });

  it('keeps state at once for a name its provider lists', () => {
    const model = resolveModel(snapshot, 'listed/gpt-4.1');
    expect(model?.targets[0]?.runtime.registered).toBe(true);
    expect(resolveModel(snapshot, 'listed/gpt-4.1')).toBe(model);
  });

  it('knows nothing of unknown names, unknown providers, empty halves or models a provider does not list', () => {
    for (const name of [
      'nope',
      'nobody/gpt-4.1',
      '/gpt-4.1',
      'openai/',
      '__proto__',
      'constructor/x',
      'listed/gpt-4o',
    ])
      expect(resolveModel(snapshot, name), name).toBeUndefined();
    expect(targets('listed/gpt-4.1')).toEqual([['listed', 'gpt-4.1']]);
  });
});
