/**
 * Finding a provider batch again after a crash (src/batch/upstream.ts `find`), against the fakes:
 * OpenAI by the `switchyard_batch` metadata, Anthropic (no metadata) by size and creation time, never
 * a batch another row already owns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { batchUpstreamFor } from '../../src/batch/upstream.ts';
import { resolveTarget } from '../../src/batch/target.ts';
import { compileConfig } from '../../src/config/compile.ts';
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import type { ProviderBatchRecord } from '../../src/store/batch-types.ts';
import { UpstreamPools } from '../../src/transport/pools.ts';
import { testConfig } from '../helpers/gateway.ts';

const fakes: FakeServer[] = [];
const pools: UpstreamPools[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.destroy();
  for (const fake of fakes.splice(0)) await fake.stop();
});

function upstreamFor(type: 'openai' | 'anthropic', baseUrl: string, key: string, model: string) {
  const pool = new UpstreamPools();
  pools.push(pool);
  const snapshot = compileConfig(
    testConfig({ providers: { p: { type, keys: [key], base_url: baseUrl } } }),
    pool,
    1,
  );
  const target = resolveTarget(snapshot, `p/${model}`);
  if (target === undefined) throw new Error('no target');
  const upstream = batchUpstreamFor(target.provider, target.call);
  if (upstream === undefined) throw new Error('no batch upstream');
  return upstream;
}

function row(id: string, lineCount: number, createdAt = Date.now()): ProviderBatchRecord {
  return {
    id,
    target: 'p/m',
    status: 'preparing',
    upstreamId: null,
    lineCount,
    createdAt,
    nextPollAt: 0,
    polls: 0,
  };
}

describe('BatchUpstream.find', () => {
  it('OpenAI: finds the batch whose metadata names the row, and nothing for another row', async () => {
    const fake = await startFakeOpenAI({ keys: ['sk-up'], batches: { processingMs: 60_000 } });
    fakes.push(fake);
    const upstream = upstreamFor('openai', `${fake.url}/v1`, 'sk-up', 'gpt-4.1');
    const items = [
      { customId: 'sy_1', body: '{"model":"gpt-4.1","messages":[{"role":"user","content":"x"}]}' },
    ];
    const first = await upstream.submit('pb_one', items);
    await upstream.submit('pb_two', items);
    expect(await upstream.find(row('pb_one', 1), new Set())).toBe(first);
    expect(await upstream.find(row('pb_three', 1), new Set())).toBeUndefined();
    expect(await upstream.poll(first)).toEqual({ ended: false });
  });

  it('Anthropic: adopts an unknown batch of the same size created after the row, never a known one', async () => {
    const fake = await startAnthropicFake({ keys: ['sk-ant'], batches: { processingMs: 60_000 } });
    fakes.push(fake);
    const upstream = upstreamFor('anthropic', fake.url, 'sk-ant', 'claude-sonnet-4-5');
    const body = '{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"x"}]}';
    const created = Date.now();
    const two = await upstream.submit('pb_a', [
      { customId: 'sy_1', body },
      { customId: 'sy_2', body },
    ]);
    expect(await upstream.find(row('pb_a', 2, created), new Set())).toBe(two);
    expect(await upstream.find(row('pb_a', 2, created), new Set([two]))).toBeUndefined();
    expect(await upstream.find(row('pb_b', 3, created), new Set())).toBeUndefined();
    // A batch created long before the row is not its.
    expect(await upstream.find(row('pb_c', 2, created + 10 * 60_000), new Set())).toBeUndefined();
  });
});
