// The `batch` section: defaults, ranges, and per-target overrides that must name a configured target.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.ts';

const base = { providers: { openai: { type: 'openai', keys: ['sk-x'] } } };

describe('batch section', () => {
  it('has production defaults', () => {
    const result = validateConfig(base);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.batch).toEqual({
      flush_interval_s: 60,
      max_batch_size: 1000,
      models: {},
      files_dir: './data/files',
      max_file_bytes: 200 * 1024 * 1024,
      max_lines: 50_000,
      poll_interval_s: 30,
      max_poll_interval_s: 600,
      live_concurrency: 4,
    });
  });

  it('takes per-target overrides and refuses ones that name no configured target', () => {
    const ok = validateConfig({
      ...base,
      batch: { models: { 'openai/gpt-4.1': { max_batch_size: 20_000 } } },
    });
    expect(ok.ok).toBe(true);
    const bad = validateConfig({
      ...base,
      batch: { models: { smart: { max_batch_size: 10 }, 'claude/x': { flush_interval_s: 5 } } },
    });
    expect(bad.ok).toBe(false);
    const messages = bad.ok ? [] : bad.errors.map((error) => JSON.stringify(error));
    expect(messages.some((m) => m.includes('smart') && m.includes('provider/model'))).toBe(true);
    expect(messages.some((m) => m.includes('claude/x') && m.includes('unknown provider'))).toBe(true);
  });

  it('refuses sizes and intervals out of range', () => {
    expect(validateConfig({ ...base, batch: { max_batch_size: 50_001 } }).ok).toBe(false);
    expect(validateConfig({ ...base, batch: { flush_interval_s: 0 } }).ok).toBe(false);
    expect(validateConfig({ ...base, batch: { live_concurrency: 0 } }).ok).toBe(false);
    expect(validateConfig({ ...base, batch: { unknown_key: 1 } }).ok).toBe(false);
  });
});
