import { describe, expect, it } from 'vitest';
import { configFromEnv, isConfigFromEnv } from '../../src/config/from-env.ts';
import { validateConfig } from '../../src/config/schema.ts';

describe('configFromEnv', () => {
  it('is undefined when no provider key is set, or all are empty', () => {
    expect(configFromEnv({})).toBeUndefined();
    expect(configFromEnv({ OPENAI_API_KEY: '', PATH: '/usr/bin' })).toBeUndefined();
    expect(configFromEnv({ OPENAI_API_KEY: ' , ' })).toBeUndefined();
  });

  it('makes one provider per key variable, named after its type', () => {
    const result = configFromEnv({
      OPENAI_API_KEY: 'sk-openai',
      ANTHROPIC_API_KEY: 'sk-ant',
      GEMINI_API_KEY: 'g-key',
      DEEPSEEK_API_KEY: 'sk-ds',
      DASHSCOPE_API_KEY: 'sk-qwen',
      MISTRAL_API_KEY: 'm-key',
    });
    expect(result?.providers).toEqual(['openai', 'anthropic', 'gemini', 'deepseek', 'qwen', 'mistral']);
    expect(result?.config.providers.qwen).toMatchObject({ type: 'qwen', keys: ['sk-qwen'] });
    expect(result?.config.providers.anthropic).toMatchObject({ type: 'anthropic', keys: ['sk-ant'] });
  });

  it('has no virtual models or tenants, and production defaults everywhere else', () => {
    const result = configFromEnv({ DEEPSEEK_API_KEY: 'sk-ds' });
    expect(result?.providers).toEqual(['deepseek']);
    expect(result?.config).toMatchObject({
      server: { host: '127.0.0.1', port: 8787 },
      models: {},
      tenants: {},
      state: 'memory',
      store: 'sqlite:./data/switchyard.db',
    });
    expect(result?.config.providers.deepseek).toMatchObject({ max_connections: 1024, headers: {} });
  });

  it('takes several comma-separated keys, trimmed and without repeats', () => {
    const result = configFromEnv({ OPENAI_API_KEY: 'sk-1, sk-2,,sk-1,\nsk-3\n' });
    expect(result?.config.providers.openai?.keys).toEqual(['sk-1', 'sk-2', 'sk-3']);
  });
});

describe('isConfigFromEnv', () => {
  it('marks the configs built here, and only those', () => {
    const result = configFromEnv({ OPENAI_API_KEY: 'sk' });
    expect(result !== undefined && isConfigFromEnv(result.config)).toBe(true);
    const file = validateConfig({ providers: { openai: { type: 'openai', keys: ['sk'] } } });
    expect(file.ok && isConfigFromEnv(file.config)).toBe(false);
  });
});
