// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text, and ${VAR} is its syntax.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { OFF_THREAD_MIN_BYTES, parseConfig, parseConfigText } from '../../src/config/load.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-parse-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A config well past the threshold: many tenants, as a large deployment has. */
function largeConfigText(tenants: number): string {
  const doc = {
    providers: { openai: { type: 'openai', keys: ['${OPENAI_KEY}'] } },
    models: { smart: { targets: ['openai/gpt-4.1'] } },
    tenants: Object.fromEntries(
      Array.from({ length: tenants }, (_, i) => [
        `tenant-${i}`,
        { keys: [`sk-tenant-${i}`], models: ['smart'] },
      ]),
    ),
  };
  return stringify(doc);
}

describe('parseConfig', () => {
  it('parses a large config on a worker thread to exactly what the inline parser gives', async () => {
    const text = largeConfigText(600);
    expect(text.length).toBeGreaterThan(OFF_THREAD_MIN_BYTES);
    const env = { OPENAI_KEY: 'sk-from-env' };
    const offThread = await parseConfig(text, 'big.yaml', env);
    expect(offThread).toEqual(parseConfigText(text, 'big.yaml', env));
    expect(offThread.ok && offThread.config.providers.openai?.keys).toEqual(['sk-from-env']);
    expect(offThread.ok && Object.keys(offThread.config.tenants)).toHaveLength(600);
  });

  it('reports every problem of a large invalid config, with its path, from the worker too', async () => {
    const text = `${largeConfigText(600)}\nstate: carrier-pigeon\n`;
    const offThread = await parseConfig(text, 'big.yaml', { OPENAI_KEY: 'k' });
    expect(offThread.ok).toBe(false);
    expect(offThread).toEqual(parseConfigText(text, 'big.yaml', { OPENAI_KEY: 'k' }));
    expect(!offThread.ok && offThread.errors.map((issue) => issue.path)).toContain('state');
  });

  it('keeps the event loop free while a large config parses', async () => {
    const text = largeConfigText(3000);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const started = performance.now();
    const result = await parseConfig(text, 'big.yaml', { OPENAI_KEY: 'k' });
    const elapsedMs = performance.now() - started;
    clearInterval(ticker);
    expect(result.ok).toBe(true);
    // Inline, this parse would block the loop for all of elapsedMs and the ticker would not run at all.
    expect(ticks).toBeGreaterThan(elapsedMs / 5 / 4);
  });
});
